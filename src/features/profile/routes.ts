import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { requireResident, signedInResident } from '../../plugins/auth.js';
import { renderError } from '../../plugins/errors.js';
import { field } from '../../security/input.js';
import { overLimit, tooManyAttempts } from '../../security/rate-limits.js';
import { LIMITS } from '../auth/rules.js';
import { RESEND_AFTER_MS, normaliseCode } from '../../security/code-rules.js';
import {
  activeSessions, checkCurrentPassword, confirmEmailChange, confirmPhoneChange, endSession, isEmailChangeLinkValid,
  pendingPhone, profileOf, startEmailChange, startPhoneChange,
} from './service.js';
import { CODE_ERRORS, CODE_REFUSALS } from '../../security/messages.js';
import { emailError, phoneError, maskPhone, normaliseEmail, normalisePhone } from '../../security/contacts.js';
import { hashPassword, newPasswordErrors } from '../../security/passwords.js';
import { isUniqueViolation } from '../../db/index.js';
import { setPassword } from '../auth/service.js';
import { noticeEmailsOn } from '../notices/service.js';

type Errors = Record<string, string>;

const DONE: Record<string, string> = {
  phone: 'Номер телефона изменён.',
  'email-sent': 'Мы отправили ссылку на новый адрес. Адрес сменится, когда вы откроете её. На прежний адрес отправлено уведомление.',
  email: 'Адрес электронной почты изменён.',
  password: 'Пароль изменён. Все остальные сеансы завершены.',
  session: 'Сеанс завершён.',
  'notice-emails-on': 'Письма об отключениях включены.',
  'notice-emails-off': 'Письма об отключениях больше не будут приходить.',
};

/** The resident's own account: contacts, password and the sessions signed in with it. */
const profile: FastifyPluginAsync = async (app) => {
  const { db, config, clock } = app;

  // The link in the email works without signing in: it proves the new address on its own.
  app.get<{ Querystring: { token?: string } }>('/email-change/confirm', async (request, reply) => {
    const token = request.query.token ?? '';
    if (!(await isEmailChangeLinkValid(db, token, clock.now()))) return reply.code(410).viewAsync('auth/invalid-link', { title: 'Ссылка недействительна', kind: 'email-change' });
    return reply.viewAsync('profile/confirm-email', { title: 'Новый адрес электронной почты', token });
  });

  app.post('/email-change/confirm', async (request, reply) => {
    const token = field(request.body, 'token');
    const result = await db
      .transaction()
      .execute((trx) => confirmEmailChange(trx, { token, now: clock.now() }))
      // Another account took the address after the check: the unique index says so.
      .catch((error: unknown) => (isUniqueViolation(error, 'residents_email_key') ? ('taken' as const) : Promise.reject(error)));
    if (result === 'invalid') return reply.code(410).viewAsync('auth/invalid-link', { title: 'Ссылка недействительна', kind: 'email-change' });
    if (result === 'taken') return reply.code(409).viewAsync('profile/email-taken', { title: 'Адрес уже занят' });
    return reply.redirect(request.resident ? '/profile?done=email' : '/login', 303);
  });

  await app.register(async (own) => {
    own.addHook('preHandler', requireResident);

    own.get<{ Querystring: { done?: string } }>('/profile', async (request, reply) => {
      const residentId = signedInResident(request).id;
      const [details, sessions, noticeEmails] = await Promise.all([
        profileOf(db, residentId),
        activeSessions(db, { residentId, currentSid: request.session.sessionId, now: clock.now() }),
        noticeEmailsOn(db, residentId),
      ]);
      const notice = request.query.done ? DONE[request.query.done] : undefined;
      return reply.viewAsync('profile/index', { title: 'Профиль', section: '/profile', details, sessions, notice, noticeEmails });
    });

    // Phone: a code by SMS to the new number
    const phoneForm = (reply: FastifyReply, values: { phone?: string }, errors: Errors) =>
      reply.viewAsync('profile/phone', { title: 'Номер телефона', section: '/profile', values, errors });

    own.get('/profile/phone', async (_request, reply) => phoneForm(reply, {}, {}));

    own.post('/profile/phone', async (request, reply) => {
      const values = { phone: field(request.body, 'phone').trim() };
      const phone = normalisePhone(values.phone);
      if (!phone) {
        return phoneForm(reply.code(422), values, { phone: phoneError(values.phone) });
      }
      if (phone === signedInResident(request).phone) return phoneForm(reply.code(422), values, { phone: 'Это ваш текущий номер' });
      const residentId = signedInResident(request).id;
      const issued = await db.transaction().execute((trx) => startPhoneChange(trx, { residentId, phone, now: clock.now(), secret: config.sessionSecret }));
      if (!issued.ok) return phoneForm(reply, values, { phone: tooManyAttempts(reply, issued.retryAfterMs, CODE_REFUSALS[issued.reason]) });
      return reply.redirect('/profile/phone/confirm', 303);
    });

    async function phoneCodePage(request: FastifyRequest, reply: FastifyReply, errors: Errors) {
      const pending = await pendingPhone(db, signedInResident(request).id);
      if (!pending) return reply.redirect('/profile/phone', 303);
      const resendInMs = Math.max(0, pending.sentAt.getTime() + RESEND_AFTER_MS - clock.now().getTime());
      return reply.viewAsync('profile/phone-code', {
        title: 'Код подтверждения', section: '/profile', phone: pending.phone, masked: maskPhone(pending.phone), resendInSeconds: Math.ceil(resendInMs / 1000), errors,
      });
    }

    own.get('/profile/phone/confirm', async (request, reply) => phoneCodePage(request, reply, {}));

    own.post('/profile/phone/confirm', async (request, reply) => {
      const code = normaliseCode(field(request.body, 'code'));
      if (!code) return phoneCodePage(request, reply.code(422), { code: 'Введите код из 6 цифр' });
      const residentId = signedInResident(request).id;
      const result = await db.transaction().execute((trx) => confirmPhoneChange(trx, { residentId, code, now: clock.now(), secret: config.sessionSecret }));
      if (result === 'ok') return reply.redirect('/profile?done=phone', 303);
      if (result === 'no-code') return reply.redirect('/profile/phone', 303);
      return phoneCodePage(request, reply.code(422), { code: CODE_ERRORS[result] });
    });

    // Email: a link to the new address, a notice to the old one
    const emailForm = (reply: FastifyReply, values: { email?: string }, errors: Errors) =>
      reply.viewAsync('profile/email', { title: 'Электронная почта', section: '/profile', values, errors });

    own.get('/profile/email', async (_request, reply) => emailForm(reply, {}, {}));

    own.post('/profile/email', async (request, reply) => {
      const values = { email: field(request.body, 'email').trim() };
      const email = normaliseEmail(values.email);
      const password = field(request.body, 'password');
      const errors: Errors = {};
      if (!email) errors.email = emailError(values.email);
      else if (email === signedInResident(request).email.toLowerCase()) errors.email = 'Это ваш текущий адрес';
      if (!password) errors.password = 'Введите пароль';
      if (!email || Object.keys(errors).length > 0) return emailForm(reply.code(422), values, errors);
      const now = clock.now();
      const waitMs = await overLimit(db, [[LIMITS.emailChangePerAccount, String(signedInResident(request).id)], [LIMITS.passwordCheckPerAccount, String(signedInResident(request).id)]], now);
      if (waitMs !== null) return emailForm(reply, values, { email: tooManyAttempts(reply, waitMs) });
      if (!(await checkCurrentPassword(db, signedInResident(request).id, password))) return emailForm(reply.code(422), values, { password: 'Неверный пароль' });
      const residentId = signedInResident(request).id;
      await db.transaction().execute((trx) => startEmailChange(trx, { residentId, email, now, publicUrl: config.publicUrl }));
      return reply.redirect('/profile?done=email-sent', 303);
    });

    // Password: the current one first
    const passwordForm = (reply: FastifyReply, errors: Errors) =>
      reply.viewAsync('profile/password', { title: 'Смена пароля', section: '/profile', errors });

    own.get('/profile/password', async (_request, reply) => passwordForm(reply, {}));

    own.post('/profile/password', async (request, reply) => {
      const current = field(request.body, 'current_password');
      const password = field(request.body, 'password');
      const errors: Errors = {};
      if (!current) errors.current_password = 'Введите текущий пароль';
      Object.assign(errors, newPasswordErrors(request.body, signedInResident(request).email));
      if (Object.keys(errors).length > 0) return passwordForm(reply.code(422), errors);
      const waitMs = await overLimit(db, [[LIMITS.passwordCheckPerAccount, String(signedInResident(request).id)]], clock.now());
      if (waitMs !== null) return passwordForm(reply, { current_password: tooManyAttempts(reply, waitMs) });
      if (!(await checkCurrentPassword(db, signedInResident(request).id, current))) return passwordForm(reply.code(422), { current_password: 'Неверный текущий пароль' });
      const passwordHash = await hashPassword(password);
      const input = { residentId: signedInResident(request).id, passwordHash, keepSid: request.session.sessionId, publicUrl: config.publicUrl };
      await db.transaction().execute((trx) => setPassword(trx, input));
      return reply.redirect('/profile?done=password', 303);
    });

    own.post<{ Params: { handle: string } }>('/profile/sessions/:handle/end', async (request, reply) => {
      const ended = await endSession(db, { residentId: signedInResident(request).id, handle: request.params.handle, currentSid: request.session.sessionId });
      if (!ended) return renderError(request, reply, 404);
      return reply.redirect('/profile?done=session', 303);
    });
  });
};

export default profile;
