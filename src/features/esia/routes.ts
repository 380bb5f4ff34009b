import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { requireResident, signedInResident } from '../../plugins/auth.js';
import { field } from '../../security/input.js';
import { maskPhone } from '../../security/contacts.js';
import { overLimit, tooManyAttempts } from '../../security/rate-limits.js';
import { safeNext } from '../../security/redirects.js';
import { startResidentSession } from '../auth/sign-in.js';
import { EsiaClient, type FlowChecks } from './client.js';
import {
  ESIA_FLOW_TTL_MS, ESIA_LIMITS, ESIA_SIGN_UP_TTL_MS, TRUST_LEVEL_NAMES, confirmedIdentity, fullName, missingForConfirmation, type EsiaPerson,
} from './rules.js';
import { esiaLinkOf, linkEsia, recordEsiaSignIn, residentBySubject, signUpWithEsia, unlinkEsia } from './service.js';

declare module 'fastify' {
  interface Session {
    /** Between pressing a Госуслуги button and the callback: the checks and what the flow is for. */
    esiaFlow?: FlowChecks & { purpose: 'sign-in' | 'link'; next: string; startedAt: number; residentId?: number };
    /** A person new to the cabinet, back from ЕСИА, who has yet to accept the terms. */
    esiaSignUp?: { person: EsiaPerson & { email: string; phone: string }; next: string; startedAt: number };
  }
}

const NOTICES: Record<string, string> = {
  linked: 'Госуслуги привязаны. Теперь вы можете входить через Госуслуги.',
  unlinked: 'Госуслуги отвязаны. Входите по адресу электронной почты и паролю.',
  'already-linked': 'Эта учётная запись Госуслуг уже привязана к вашему кабинету.',
};

/**
 * «Войти через Госуслуги»: sign-in and sign-up through ЕСИА (OpenID Connect), and
 * linking or unlinking Госуслуги from «Профиль». One callback serves every purpose;
 * what it is for is kept in the session with the state, nonce and PKCE verifier.
 */
const esia: FastifyPluginAsync = async (app) => {
  const { db, config, clock } = app;
  const esiaConfig = config.esia;
  if (!esiaConfig) return;
  const client = new EsiaClient(esiaConfig, `${config.publicUrl}/login/esia/callback`);

  // The sign-in, sign-up and profile pages show the Госуслуги buttons and links.
  app.addHook('preHandler', async (_request, reply) => {
    reply.locals.esia = true;
  });

  function problem(reply: FastifyReply, status: number, title: string, message: string) {
    return reply.code(status).viewAsync('esia/problem', { title, message });
  }

  const unavailable = (reply: FastifyReply) =>
    problem(reply, 503, 'Госуслуги недоступны', 'Не удалось связаться с Госуслугами. Попробуйте позже или войдите по адресу электронной почты и паролю.');

  /** Off to ЕСИА's sign-in page, with the checks kept for the callback. */
  async function startFlow(request: FastifyRequest, reply: FastifyReply, flow: { purpose: 'sign-in' | 'link'; next: string; residentId?: number }) {
    const now = clock.now();
    const waitMs = await overLimit(db, [[ESIA_LIMITS.startPerIp, request.ip]], now);
    if (waitMs !== null) return problem(reply, 429, 'Слишком много попыток', tooManyAttempts(reply, waitMs));
    const started = await client.start();
    if ('unavailable' in started) {
      request.log.warn({ reason: started.unavailable }, 'esia discovery failed');
      return unavailable(reply);
    }
    request.session.esiaFlow = { ...started.checks, ...flow, startedAt: now.getTime() };
    return reply.redirect(started.url, 303);
  }

  app.post('/login/esia', async (request, reply) => {
    const next = safeNext(field(request.body, 'next'));
    if (request.resident) return reply.redirect(next, 303);
    return startFlow(request, reply, { purpose: 'sign-in', next });
  });

  app.get('/login/esia/callback', async (request, reply) => {
    // Used up at once: the same answer brought back twice finds nothing to match.
    const flow = request.session.esiaFlow;
    if (flow) request.session.esiaFlow = undefined;
    const now = clock.now();
    const refused = (reason: string) => {
      request.log.warn({ reason }, 'esia callback refused');
      return problem(
        reply, 400, 'Не удалось войти через Госуслуги',
        'Ответ Госуслуг не прошёл проверку: он устарел, уже был использован или получен не из этого браузера. Ничего не изменено. Начните вход заново.',
      );
    };
    if (!flow) return refused('no flow in the session');
    if (now.getTime() - flow.startedAt > ESIA_FLOW_TTL_MS) return refused('flow expired');
    const waitMs = await overLimit(db, [[ESIA_LIMITS.callbackPerIp, request.ip]], now);
    if (waitMs !== null) return problem(reply, 429, 'Слишком много попыток', tooManyAttempts(reply, waitMs));

    const outcome = await client.finish(new URL(request.url, config.publicUrl), flow);
    if (outcome.kind === 'unavailable') {
      request.log.warn({ reason: outcome.reason }, 'esia unavailable');
      return unavailable(reply);
    }
    if (outcome.kind === 'invalid') return refused(outcome.reason);
    if (outcome.kind === 'refused') {
      const back = flow.purpose === 'link' ? '/profile/esia' : '/login';
      return reply.viewAsync('esia/refused', { title: 'Вход через Госуслуги отменён', back, purpose: flow.purpose });
    }
    const { person } = outcome;

    if (flow.purpose === 'link') {
      // Only the resident who pressed «Привязать» in this very session.
      if (!request.resident || request.resident.id !== flow.residentId) return refused('link callback outside the session that started it');
      const residentId = request.resident.id;
      const result = await db.transaction().execute((trx) => linkEsia(trx, { residentId, person, now, ip: request.ip }));
      if (result === 'subject-taken') {
        return problem(reply, 409, 'Госуслуги уже привязаны к другому кабинету', 'Эта учётная запись Госуслуг привязана к другой учётной записи кабинета. Одну учётную запись Госуслуг можно привязать только к одному кабинету.');
      }
      if (result === 'other-account-linked') {
        return problem(reply, 409, 'Уже привязана другая учётная запись', 'К вашему кабинету уже привязана другая учётная запись Госуслуг. Сначала отвяжите её в профиле.');
      }
      return reply.redirect(`/profile/esia?done=${result === 'linked' ? 'linked' : 'already-linked'}`, 303);
    }

    const residentId = await residentBySubject(db, person.subject);
    if (residentId !== undefined) {
      await db.transaction().execute((trx) => recordEsiaSignIn(trx, residentId, person, { now, ip: request.ip }));
      await startResidentSession(request, residentId, 'esia');
      return reply.redirect(flow.next, 303);
    }
    if (!person.email || !person.phone) {
      return problem(
        reply, 422, 'Не хватает данных из Госуслуг',
        'В вашей учётной записи на Госуслугах нет подтверждённого адреса электронной почты или номера телефона. Подтвердите их на Госуслугах и войдите снова или зарегистрируйтесь по адресу электронной почты.',
      );
    }
    request.session.esiaSignUp = { person: { ...person, email: person.email, phone: person.phone }, next: flow.next, startedAt: now.getTime() };
    return reply.redirect('/register/esia', 303);
  });

  // Sign-up: the person is shown what came from Госуслуги and accepts the terms
  function pendingSignUp(request: FastifyRequest) {
    const pending = request.session.esiaSignUp;
    if (!pending || clock.now().getTime() - pending.startedAt > ESIA_SIGN_UP_TTL_MS) return undefined;
    return pending;
  }

  function signUpPage(reply: FastifyReply, person: EsiaPerson & { email: string; phone: string }, errors: Record<string, string>) {
    return reply.header('Cache-Control', 'no-store').viewAsync('esia/sign-up', {
      title: 'Регистрация через Госуслуги',
      person: {
        name: fullName(person),
        birthDate: person.birthDate,
        snils: person.snilsMasked,
        passport: person.passportMasked,
        email: person.email,
        phone: maskPhone(person.phone),
        level: TRUST_LEVEL_NAMES[person.trustLevel],
        confirmed: confirmedIdentity(person) !== null,
        missing: confirmedIdentity(person) ? null : missingForConfirmation(person.trustLevel),
      },
      errors,
    });
  }

  app.get('/register/esia', async (request, reply) => {
    const pending = pendingSignUp(request);
    if (!pending) return reply.redirect('/register', 303);
    return signUpPage(reply, pending.person, {});
  });

  app.post('/register/esia', async (request, reply) => {
    const pending = pendingSignUp(request);
    if (!pending) return reply.redirect('/register', 303);
    if (field(request.body, 'terms') !== 'yes') {
      return signUpPage(reply.code(422), pending.person, { terms: 'Чтобы зарегистрироваться, примите условия пользовательского соглашения' });
    }
    const now = clock.now();
    const result = await db.transaction().execute((trx) => signUpWithEsia(trx, { person: pending.person, now, ip: request.ip }));
    if (result.kind === 'email-taken') {
      request.session.esiaSignUp = undefined;
      return reply.code(409).viewAsync('esia/email-taken', { title: 'Адрес уже зарегистрирован', email: pending.person.email });
    }
    await startResidentSession(request, result.residentId, 'esia');
    // Not confirmed by ЕСИА: the resident is told what is missing before anything else.
    const confirmed = confirmedIdentity(pending.person) !== null;
    return reply.redirect(confirmed ? pending.next : '/profile/esia?done=signed-up', 303);
  });

  // «Профиль»: link, look at and unlink Госуслуги
  await app.register(async (own) => {
    own.addHook('preHandler', requireResident);

    own.get<{ Querystring: { done?: string } }>('/profile/esia', async (request, reply) => {
      const resident = signedInResident(request);
      const { link, hasPassword } = await esiaLinkOf(db, resident.id);
      const done = request.query.done;
      return reply.viewAsync('esia/profile', {
        title: 'Госуслуги',
        section: '/profile',
        link: link && { ...link, level: TRUST_LEVEL_NAMES[link.trustLevel] },
        missing: link && link.trustLevel !== 'confirmed' && resident.identityStatus !== 'confirmed' ? missingForConfirmation(link.trustLevel) : null,
        hasPassword,
        notice: done === 'signed-up' ? 'Учётная запись создана.' : done ? NOTICES[done] : undefined,
      });
    });

    own.post('/profile/esia', async (request, reply) => startFlow(request, reply, { purpose: 'link', next: '/profile/esia', residentId: signedInResident(request).id }));

    own.get('/profile/esia/unlink', async (request, reply) => {
      const { link, hasPassword } = await esiaLinkOf(db, signedInResident(request).id);
      if (!link) return reply.redirect('/profile/esia', 303);
      return reply.viewAsync('esia/unlink', { title: 'Отвязать Госуслуги', section: '/profile', hasPassword });
    });

    own.post('/profile/esia/unlink', async (request, reply) => {
      const residentId = signedInResident(request).id;
      const result = await db.transaction().execute((trx) => unlinkEsia(trx, { residentId, now: clock.now(), ip: request.ip }));
      if (result === 'no-password') return reply.code(409).viewAsync('esia/unlink', { title: 'Отвязать Госуслуги', section: '/profile', hasPassword: false });
      return reply.redirect(result === 'unlinked' ? '/profile/esia?done=unlinked' : '/profile/esia', 303);
    });
  });
};

// Not encapsulated: the hook above must reach the sign-in and profile pages of the resident area.
export default fp(esia, { name: 'esia' });
