import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { overLimit, tooManyAttempts } from '../../security/rate-limits.js';
import { peekToken } from '../../security/tokens.js';
import { normaliseCode } from '../../security/code-rules.js';
import type { CheckResult } from '../../security/one-time-codes.js';
import { hashPassword } from '../../security/passwords.js';
import { renderError } from '../../plugins/errors.js';
import { field } from '../../security/input.js';
import { INVITATION_PURPOSE, acceptInvitation, invitedStaff } from '../staff/service.js';
import { checkSecondFactor, checkStaffPassword, hasOpenSignInCode, recordFailedSignIn, sendSignInCode, type SignInCandidate } from './service.js';
import { newPasswordErrors } from '../../security/passwords.js';
import { maskEmail, normaliseEmail } from '../../security/contacts.js';
import { safeNext } from '../../security/redirects.js';
import { type Limit } from '../../security/rate-limits.js';
import { recordAudit } from '../../audit/writer.js';

declare module 'fastify' {
  interface Session {
    /** Between the password and the second factor: who is signing in, and where to go after. */
    staffSignIn?: { staffId: number; email: string; totp: boolean; next: string; startedAt: number };
  }
}

/** The emailed code lives 10 minutes; so does the half-done sign-in. */
const PENDING_TTL_MS = 10 * 60_000;

// Per IP generously (a whole office may share one address), per account tightly.
const LIMITS = {
  passwordPerAccount: { name: 'staff-sign-in:account', max: 10, windowMs: 15 * 60_000 },
  passwordPerIp: { name: 'staff-sign-in:ip', max: 100, windowMs: 15 * 60_000 },
  codePerAccount: { name: 'staff-code:account', max: 10, windowMs: 15 * 60_000 },
  codePerIp: { name: 'staff-code:ip', max: 100, windowMs: 15 * 60_000 },
  resendPerIp: { name: 'staff-code-send:ip', max: 10, windowMs: 3600_000 },
} satisfies Record<string, Limit>;

const CODE_PROBLEMS: Record<Exclude<CheckResult, 'ok'>, string> = {
  wrong: 'Неверный код. Проверьте код и попробуйте снова',
  expired: 'Срок действия кода истёк. Отправьте код ещё раз',
  'too-many-tries': 'Слишком много неверных попыток. Отправьте код ещё раз',
  'no-code': 'Код больше не действует. Отправьте код ещё раз',
};

/** After sign-in, go back where the staff member was heading, but only inside /admin. */
export function backofficeNext(next: unknown): string {
  const path = safeNext(next);
  return /^\/admin(?:[/?#]|$)/.test(path) ? path : '/admin';
}

/**
 * The public part of the back office: sign-in with a password and a second
 * factor, sign-out, and the invitation link that sets a password.
 */
const staffAuth: FastifyPluginAsync = async (app) => {
  const { db, config, clock } = app;

  function pending(request: FastifyRequest) {
    const signIn = request.session.staffSignIn;
    if (!signIn || clock.now().getTime() - signIn.startedAt > PENDING_TTL_MS) return undefined;
    return signIn;
  }

  async function startSecondFactor(request: FastifyRequest, staff: SignInCandidate, next: string) {
    const now = clock.now();
    request.session.staffSignIn = { staffId: staff.id, email: staff.email, totp: staff.totpEnabled, next, startedAt: now.getTime() };
    // A code sent less than a minute ago is still good: the page offers a resend once allowed.
    if (!staff.totpEnabled) await db.transaction().execute((trx) => sendSignInCode(trx, { staff, now, secret: config.sessionSecret }));
  }

  type PageExtra = { errors?: Record<string, string>; notice?: string; warning?: string };
  function codePage(reply: FastifyReply, signIn: NonNullable<FastifyRequest['session']['staffSignIn']>, extra: PageExtra) {
    return reply.viewAsync('backoffice/auth/login-code', {
      title: 'Код подтверждения',
      totp: signIn.totp,
      destination: maskEmail(signIn.email),
      errors: extra.errors ?? {},
      notice: extra.notice,
      warning: extra.warning,
    });
  }

  app.get<{ Querystring: { next?: string; welcome?: string } }>('/login', async (request, reply) => {
    if (request.staff) return reply.redirect(backofficeNext(request.query.next), 303);
    return reply.viewAsync('backoffice/auth/login', {
      title: 'Вход для сотрудников',
      values: { email: '', next: backofficeNext(request.query.next) },
      errors: {},
      welcome: request.query.welcome === '1',
    });
  });

  app.post('/login', async (request, reply) => {
    const values = { email: field(request.body, 'email').trim(), next: backofficeNext(field(request.body, 'next')) };
    const password = field(request.body, 'password');
    const errors: Record<string, string> = {};
    const email = normaliseEmail(values.email);
    if (!email) errors.email = values.email ? 'Введите адрес электронной почты в формате name@example.ru' : 'Введите адрес электронной почты';
    if (password === '') errors.password = 'Введите пароль';
    const render = () => reply.viewAsync('backoffice/auth/login', { title: 'Вход для сотрудников', values, errors, welcome: false });
    if (!email || Object.keys(errors).length > 0) {
      reply.code(422);
      return render();
    }

    const now = clock.now();
    // Keyed by the address typed, whether or not such staff exist: the limit tells nothing.
    const waitMs = await overLimit(db, [[LIMITS.passwordPerIp, request.ip], [LIMITS.passwordPerAccount, email]], now);
    if (waitMs !== null) {
      errors.email = tooManyAttempts(reply, waitMs, 'Слишком много попыток входа.');
      return render();
    }
    const { staff, knownId } = await checkStaffPassword(db, email, password);
    if (!staff) {
      await recordFailedSignIn(db, { staffId: knownId, email, ip: request.ip, stage: 'password' });
      errors.password = 'Неверная электронная почта или пароль';
      reply.code(422);
      return render();
    }
    await startSecondFactor(request, staff, values.next);
    return reply.redirect('/admin/login/code', 303);
  });

  app.get('/login/code', async (request, reply) => {
    const signIn = pending(request);
    if (!signIn) return reply.redirect('/admin/login', 303);
    // Signing in again within a minute of the last code: that code is used up and a new one not yet allowed.
    const noCode = !signIn.totp && !(await hasOpenSignInCode(db, signIn.staffId));
    return codePage(reply, signIn, noCode ? { warning: 'Действующего кода нет. Нажмите «Отправить код ещё раз» через минуту.' } : {});
  });

  app.post('/login/code', async (request, reply) => {
    const signIn = pending(request);
    if (!signIn) return reply.redirect('/admin/login', 303);
    const code = normaliseCode(field(request.body, 'code'));
    if (!code) return codePage(reply.code(422), signIn, { errors: { code: 'Введите 6 цифр кода' } });
    const now = clock.now();
    const waitMs = await overLimit(db, [[LIMITS.codePerIp, request.ip], [LIMITS.codePerAccount, String(signIn.staffId)]], now);
    if (waitMs !== null) return codePage(reply, signIn, { errors: { code: tooManyAttempts(reply, waitMs) } });

    const result = await db.transaction().execute((trx) => checkSecondFactor(trx, { staffId: signIn.staffId, code, now, secret: config.sessionSecret }));
    if (result !== 'ok') {
      await recordFailedSignIn(db, { staffId: signIn.staffId, email: signIn.email, ip: request.ip, stage: 'code', reason: result });
      return codePage(reply.code(422), signIn, { errors: { code: CODE_PROBLEMS[result] } });
    }
    // A new session id at the moment of sign-in, so a planted cookie is worth nothing.
    await request.session.regenerate();
    request.session.staffId = signIn.staffId;
    request.session.userAgent = request.headers['user-agent']?.slice(0, 500);
    request.session.ip = request.ip;
    await recordAudit(db, { staffId: signIn.staffId, action: 'staff.sign-in', subjectType: 'staff', subjectId: signIn.staffId, ip: request.ip });
    return reply.redirect(signIn.next, 303);
  });

  app.post('/login/code/resend', async (request, reply) => {
    const signIn = pending(request);
    if (!signIn) return reply.redirect('/admin/login', 303);
    if (signIn.totp) return reply.redirect('/admin/login/code', 303);
    const now = clock.now();
    const waitMs = await overLimit(db, [[LIMITS.resendPerIp, request.ip]], now);
    if (waitMs !== null) return codePage(reply, signIn, { errors: { code: tooManyAttempts(reply, waitMs) } });
    const issued = await db.transaction().execute((trx) =>
      sendSignInCode(trx, { staff: { id: signIn.staffId, email: signIn.email, totpEnabled: false }, now, secret: config.sessionSecret }),
    );
    if (!issued.ok) {
      return codePage(reply.code(429), signIn, { errors: { code: tooManyAttempts(reply, issued.retryAfterMs, 'Новый код пока отправить нельзя.') } });
    }
    signIn.startedAt = now.getTime();
    request.session.staffSignIn = signIn;
    return codePage(reply, signIn, { notice: 'Мы отправили новый код.' });
  });

  app.post('/logout', async (request, reply) => {
    if (request.staff) {
      await recordAudit(db, { staffId: request.staff.id, action: 'staff.sign-out', subjectType: 'staff', subjectId: request.staff.id, ip: request.ip });
    }
    await request.session.destroy();
    return reply.redirect('/admin/login', 303);
  });

  // The invitation link: set a password, then sign in as usual.
  const invalidLink = 'Ссылка устарела или уже использована. Попросите администратора прислать новое приглашение.';

  app.get<{ Querystring: { token?: string } }>('/invitation', async (request, reply) => {
    const token = request.query.token ?? '';
    const owner = await peekToken(db, { purpose: INVITATION_PURPOSE, token, now: clock.now() });
    const staff = owner && (await invitedStaff(db, owner.subjectId));
    if (!staff) return renderError(request, reply, 404, invalidLink);
    return reply.viewAsync('backoffice/auth/invitation', { title: 'Пароль для входа', token, email: staff.email, fullName: staff.fullName, errors: {} });
  });

  app.post('/invitation', async (request, reply) => {
    const token = field(request.body, 'token');
    const password = field(request.body, 'password');
    const now = clock.now();
    const owner = await peekToken(db, { purpose: INVITATION_PURPOSE, token, now });
    const staff = owner && (await invitedStaff(db, owner.subjectId));
    if (!staff) return renderError(request, reply, 404, invalidLink);
    const errors = newPasswordErrors(request.body, staff.email);
    if (Object.keys(errors).length > 0) {
      reply.code(422);
      return reply.viewAsync('backoffice/auth/invitation', { title: 'Пароль для входа', token, email: staff.email, fullName: staff.fullName, errors });
    }
    const passwordHash = await hashPassword(password);
    const accepted = await db.transaction().execute((trx) => acceptInvitation(trx, { token, passwordHash, now, ip: request.ip }));
    if (!accepted) return renderError(request, reply, 404, invalidLink);
    return reply.redirect('/admin/login?welcome=1', 303);
  });
};

export default staffAuth;
