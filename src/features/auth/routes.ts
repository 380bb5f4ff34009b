import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { RESEND_AFTER_MS, normaliseCode } from '../../security/code-rules.js';
import { field } from '../../security/input.js';
import { overLimit, tooManyAttempts } from '../../security/rate-limits.js';
import { LIMITS, PENDING_SIGN_IN_TTL_MS, TRUSTED_DEVICE_TTL_MS } from './rules.js';
import {
  checkPassword, checkSignInCode, codeDestinations, confirmEmail, isConfirmationLinkValid, isTrustedDevice, openSignInCode, passwordStamp,
  requestPasswordReset, resendConfirmation, resetLinkOwner, resetPassword, sendSignInCode, signUp, trustDevice,
} from './service.js';
import { CODE_ERRORS, CODE_REFUSALS } from '../../security/messages.js';
import { emailError, phoneError, maskEmail, maskPhone, normaliseEmail, normalisePhone } from '../../security/contacts.js';
import { hashPassword, newPasswordErrors } from '../../security/passwords.js';
import { safeNext } from '../../security/redirects.js';
import { startResidentSession } from './sign-in.js';

declare module 'fastify' {
  interface Session {
    /** Between the password and the code: who is signing in, where to go after, which password they passed. */
    pendingSignIn?: { residentId: number; next: string; startedAt: number; passwordStamp: string };
    /** The address that was just registered, for "Отправить письмо ещё раз". */
    confirmationEmail?: string;
    /** Where the first sign-in after confirmation leads, for a resent link too. */
    confirmationNext?: string;
  }
}

type Errors = Record<string, string>;

const TRUSTED_COOKIE = 'trusted_device';

/**
 * Sign-up with email confirmation, two-step sign-in (password, then a code by
 * email or SMS unless the device is trusted), password reset and sign-out.
 */
const auth: FastifyPluginAsync = async (app) => {
  const { db, config, clock } = app;

  // Sign-up
  app.get<{ Querystring: { next?: string } }>('/register', async (request, reply) =>
    reply.viewAsync('auth/register', { title: 'Регистрация', values: { next: safeNext(request.query.next) }, errors: {} }),
  );

  app.post('/register', async (request, reply) => {
    const values = {
      email: field(request.body, 'email').trim(), phone: field(request.body, 'phone').trim(), terms: field(request.body, 'terms'), next: safeNext(field(request.body, 'next')),
    };
    const password = field(request.body, 'password');
    const errors: Errors = {};
    const email = normaliseEmail(values.email);
    const phone = normalisePhone(values.phone);
    if (!email) errors.email = emailError(values.email);
    if (!phone) errors.phone = phoneError(values.phone);
    Object.assign(errors, newPasswordErrors(request.body, values.email));
    if (field(request.body, 'terms') !== 'yes') errors.terms = 'Чтобы зарегистрироваться, примите условия пользовательского соглашения';
    if (Object.keys(errors).length > 0 || !email || !phone) {
      return reply.code(422).viewAsync('auth/register', { title: 'Регистрация', values, errors });
    }
    const now = clock.now();
    const waitMs = await overLimit(db, [[LIMITS.signUpPerIp, request.ip], [LIMITS.signUpPerAccount, email]], now);
    if (waitMs !== null) {
      return reply.viewAsync('auth/register', { title: 'Регистрация', values, errors: { email: tooManyAttempts(reply, waitMs) } });
    }
    const passwordHash = await hashPassword(password);
    await db.transaction().execute((trx) => signUp(trx, { email, phone, passwordHash, next: values.next, now, publicUrl: config.publicUrl }));
    request.session.confirmationEmail = email;
    request.session.confirmationNext = values.next;
    return reply.redirect('/register/sent', 303);
  });

  app.get<{ Querystring: { resent?: string } }>('/register/sent', async (request, reply) => {
    const email = request.session.confirmationEmail;
    if (!email) return reply.redirect('/register', 303);
    return reply.viewAsync('auth/check-email', { title: 'Проверьте почту', email, resent: request.query.resent === '1', errors: {} });
  });

  app.post('/register/resend', async (request, reply) => {
    const email = request.session.confirmationEmail;
    if (!email) return reply.redirect('/register', 303);
    const now = clock.now();
    const waitMs = await overLimit(db, [[LIMITS.confirmationPerIp, request.ip], [LIMITS.confirmationPerAccount, email]], now);
    if (waitMs !== null) {
      const message = tooManyAttempts(reply, waitMs, 'Письмо уже отправлялось несколько раз.');
      return reply.viewAsync('auth/check-email', { title: 'Проверьте почту', email, resent: false, errors: { resend: message } });
    }
    const next = safeNext(request.session.confirmationNext);
    await db.transaction().execute((trx) => resendConfirmation(trx, { email, next, now, publicUrl: config.publicUrl }));
    return reply.redirect('/register/sent?resent=1', 303);
  });

  // The link only opens a page with a button: mail scanners that follow links must not use it up.
  app.get<{ Querystring: { token?: string } }>('/register/confirm', async (request, reply) => {
    const token = request.query.token ?? '';
    if (!(await isConfirmationLinkValid(db, token, clock.now()))) return invalidLink(reply, 'confirmation');
    return reply.viewAsync('auth/confirm-email', { title: 'Подтверждение адреса', token });
  });

  app.post('/register/confirm', async (request, reply) => {
    const confirmed = await db.transaction().execute((trx) => confirmEmail(trx, field(request.body, 'token'), clock.now()));
    if (!confirmed) return invalidLink(reply, 'confirmation');
    return reply.redirect(confirmed.next === '/' ? '/login?confirmed=1' : `/login?confirmed=1&next=${encodeURIComponent(confirmed.next)}`, 303);
  });

  // Sign-in, step 1: email and password
  app.get<{ Querystring: { next?: string; confirmed?: string; reset?: string } }>('/login', async (request, reply) => {
    if (request.resident) return reply.redirect(safeNext(request.query.next), 303);
    const notice =
      request.query.confirmed === '1' ? 'Адрес электронной почты подтверждён. Теперь войдите.'
      : request.query.reset === '1' ? 'Пароль изменён. Войдите с новым паролем.'
      : undefined;
    return reply.viewAsync('auth/login', { title: 'Вход', values: { next: safeNext(request.query.next) }, notice, errors: {} });
  });

  app.post('/login', async (request, reply) => {
    const values = { email: field(request.body, 'email').trim(), next: safeNext(field(request.body, 'next')) };
    const password = field(request.body, 'password');
    const email = normaliseEmail(values.email);
    const errors: Errors = {};
    if (!email) errors.email = emailError(values.email);
    if (!password) errors.password = 'Введите пароль';
    const again = (status: number) => reply.code(status).viewAsync('auth/login', { title: 'Вход', values, errors });
    if (!email || !password) return again(422);

    const now = clock.now();
    const waitMs = await overLimit(db, [[LIMITS.signInPerIp, request.ip], [LIMITS.signInPerAccount, email]], now);
    if (waitMs !== null) {
      errors.email = tooManyAttempts(reply, waitMs);
      return again(429);
    }
    const result = await db.transaction().execute((trx) => checkPassword(trx, { email, password, now, publicUrl: config.publicUrl }));
    if (result.kind === 'locked') {
      errors.email = tooManyAttempts(reply, result.retryAfterMs, 'Вход временно заблокирован: слишком много неверных паролей.');
      return again(429);
    }
    if (result.kind === 'wrong') {
      errors.email = 'Неверный адрес электронной почты или пароль';
      return again(422);
    }
    if (result.kind === 'unconfirmed') {
      request.session.confirmationEmail = email;
      request.session.confirmationNext = values.next;
      return reply.code(403).viewAsync('auth/check-email', { title: 'Подтвердите адрес электронной почты', email, unconfirmed: true, resent: false, errors: {} });
    }
    if (await isTrustedDevice(db, { residentId: result.residentId, token: request.cookies[TRUSTED_COOKIE], now })) {
      return completeSignIn(request, reply, result.residentId, values.next, false);
    }
    request.session.pendingSignIn = { residentId: result.residentId, next: values.next, startedAt: now.getTime(), passwordStamp: result.passwordStamp };
    return reply.redirect('/login/code', 303);
  });

  // Sign-in, step 2: a one-time code by email or SMS
  async function pendingSignIn(request: FastifyRequest) {
    const pending = request.session.pendingSignIn;
    if (!pending || clock.now().getTime() - pending.startedAt > PENDING_SIGN_IN_TTL_MS) return undefined;
    // A password changed since the password step (a reset, say) voids it: the old password must not finish a sign-in.
    if (pending.passwordStamp !== (await passwordStamp(db, pending.residentId))) return undefined;
    return pending;
  }

  async function codePage(reply: FastifyReply, residentId: number, startedAt: number, errors: Errors = {}) {
    const [destinations, open] = await Promise.all([codeDestinations(db, residentId), openSignInCode(db, residentId)]);
    const sent = open && open.createdAt.getTime() >= startedAt ? open : undefined;
    const resendInMs = sent ? Math.max(0, sent.createdAt.getTime() + RESEND_AFTER_MS - clock.now().getTime()) : 0;
    return reply.viewAsync('auth/code', {
      title: 'Код подтверждения',
      choices: { email: maskEmail(destinations.email), sms: maskPhone(destinations.sms) },
      sent: sent && { channel: sent.channel, to: sent.channel === 'email' ? maskEmail(sent.destination) : maskPhone(sent.destination) },
      resendInSeconds: Math.ceil(resendInMs / 1000),
      errors,
    });
  }

  app.get('/login/code', async (request, reply) => {
    const pending = await pendingSignIn(request);
    if (!pending) return reply.redirect('/login', 303);
    return codePage(reply, pending.residentId, pending.startedAt);
  });

  app.post('/login/code/send', async (request, reply) => {
    const pending = await pendingSignIn(request);
    if (!pending) return reply.redirect('/login', 303);
    const channel = field(request.body, 'channel');
    if (channel !== 'email' && channel !== 'sms') {
      return codePage(reply.code(422), pending.residentId, pending.startedAt, { 'channel-email': 'Выберите, куда отправить код' });
    }
    const now = clock.now();
    const again = (message: string) => codePage(reply, pending.residentId, pending.startedAt, { 'channel-email': message });
    const waitMs = await overLimit(db, [[LIMITS.codeSendPerIp, request.ip]], now);
    if (waitMs !== null) return again(tooManyAttempts(reply, waitMs));
    const issued = await db.transaction().execute((trx) =>
      sendSignInCode(trx, { residentId: pending.residentId, channel, now, secret: config.sessionSecret }),
    );
    if (!issued.ok) return again(tooManyAttempts(reply, issued.retryAfterMs, CODE_REFUSALS[issued.reason]));
    return reply.redirect('/login/code', 303);
  });

  app.post('/login/code', async (request, reply) => {
    const pending = await pendingSignIn(request);
    if (!pending) return reply.redirect('/login', 303);
    const now = clock.now();
    const again = (status: number, message: string) => codePage(reply.code(status), pending.residentId, pending.startedAt, { code: message });
    const waitMs = await overLimit(db, [[LIMITS.codeCheckPerIp, request.ip]], now);
    if (waitMs !== null) return again(429, tooManyAttempts(reply, waitMs));
    const code = normaliseCode(field(request.body, 'code'));
    if (!code) return again(422, 'Введите код из 6 цифр');
    const result = await db.transaction().execute((trx) => checkSignInCode(trx, { residentId: pending.residentId, code, now, secret: config.sessionSecret }));
    if (result === 'ok') return completeSignIn(request, reply, pending.residentId, pending.next, field(request.body, 'trust') === 'yes');
    return again(422, CODE_ERRORS[result]);
  });

  async function completeSignIn(request: FastifyRequest, reply: FastifyReply, residentId: number, next: string, trust: boolean) {
    await startResidentSession(request, residentId, 'password');
    if (trust) {
      const token = await trustDevice(db, { residentId, userAgent: request.session.userAgent ?? null, now: clock.now() });
      reply.setCookie(TRUSTED_COOKIE, token, {
        httpOnly: true, sameSite: 'lax', secure: config.isProduction, path: '/', maxAge: TRUSTED_DEVICE_TTL_MS / 1000,
      });
    }
    return reply.redirect(next, 303);
  }

  // Password reset
  app.get('/password-reset', async (_request, reply) => reply.viewAsync('auth/reset-request', { title: 'Восстановление пароля', values: {}, errors: {} }));

  app.post('/password-reset', async (request, reply) => {
    const values = { email: field(request.body, 'email').trim() };
    const email = normaliseEmail(values.email);
    if (!email) {
      const errors = { email: emailError(values.email) };
      return reply.code(422).viewAsync('auth/reset-request', { title: 'Восстановление пароля', values, errors });
    }
    const now = clock.now();
    const waitMs = await overLimit(db, [[LIMITS.resetPerIp, request.ip], [LIMITS.resetPerAccount, email]], now);
    if (waitMs !== null) {
      return reply.viewAsync('auth/reset-request', { title: 'Восстановление пароля', values, errors: { email: tooManyAttempts(reply, waitMs) } });
    }
    await db.transaction().execute((trx) => requestPasswordReset(trx, { email, now, publicUrl: config.publicUrl }));
    return reply.redirect('/password-reset/sent', 303);
  });

  app.get('/password-reset/sent', async (_request, reply) => reply.viewAsync('auth/reset-sent', { title: 'Проверьте почту' }));

  app.get<{ Querystring: { token?: string } }>('/password-reset/new', async (request, reply) => {
    const token = request.query.token ?? '';
    if (!(await resetLinkOwner(db, token, clock.now()))) return invalidLink(reply, 'reset');
    return reply.viewAsync('auth/reset-new', { title: 'Новый пароль', token, errors: {} });
  });

  app.post('/password-reset/new', async (request, reply) => {
    const token = field(request.body, 'token');
    const password = field(request.body, 'password');
    const now = clock.now();
    const owner = await resetLinkOwner(db, token, now);
    if (!owner) return invalidLink(reply, 'reset');
    const errors = newPasswordErrors(request.body, owner.email);
    if (Object.keys(errors).length > 0) return reply.code(422).viewAsync('auth/reset-new', { title: 'Новый пароль', token, errors });
    const keepSid = request.session.residentId !== undefined ? request.session.sessionId : undefined;
    const passwordHash = await hashPassword(password);
    const reset = await db.transaction().execute((trx) => resetPassword(trx, { token, passwordHash, now, keepSid, publicUrl: config.publicUrl }));
    if (!reset) return invalidLink(reply, 'reset');
    return reply.redirect('/login?reset=1', 303);
  });

  app.post('/logout', async (request, reply) => {
    await request.session.destroy();
    return reply.redirect('/', 303);
  });
};

function invalidLink(reply: FastifyReply, kind: 'confirmation' | 'reset') {
  return reply.code(410).viewAsync('auth/invalid-link', { title: 'Ссылка недействительна', kind });
}

export default auth;
