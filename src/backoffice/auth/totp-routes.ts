import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { qrSvg } from '../../lib/qr.js';
import { overLimit, tooManyAttempts } from '../../security/rate-limits.js';
import { normaliseCode } from '../../security/code-rules.js';
import { disableTotp, enableTotp, startTotpSetup, totpState } from './service.js';
import { base32Key, otpauthUri } from './totp.js';
import { type Limit } from '../../security/rate-limits.js';
import { signedInStaff } from '../../plugins/auth.js';

const ISSUER = 'Служебный кабинет ЖКУ';

// Codes typed here are guesses at the app's code like those at sign-in: a borrowed
// session must not try a million of them to switch the second factor off.
const CODE_LIMIT: Limit = { name: 'staff-totp-settings:account', max: 10, windowMs: 15 * 60_000 };

function codeFrom(body: unknown): string | null {
  const code = (body as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? normaliseCode(code) : null;
}

/** The signed-in staff member switches an authenticator app on (or off) for their own sign-in. */
const totpSettings: FastifyPluginAsync = async (app) => {
  const { db, config, clock } = app;

  async function page(request: FastifyRequest, reply: FastifyReply, extra: { errors?: Record<string, string>; notice?: string } = {}) {
    const staff = signedInStaff(request);
    const state = await totpState(db, staff.id, config.sessionSecret);
    const key = state.pendingKey;
    const uri = key ? otpauthUri(key, staff.email, ISSUER) : null;
    // The page may show the shared key: no cache keeps it.
    reply.header('Cache-Control', 'no-store');
    return reply.viewAsync('backoffice/auth/totp', {
      title: 'Приложение-аутентификатор',
      enabled: state.enabled,
      // Groups of four, the way apps show a key typed in by hand.
      secret: key ? base32Key(key).replace(/(.{4})(?=.)/g, '$1 ') : null,
      uri,
      // An SVG drawn on the server: no script, and the key never leaves our origin.
      qr: uri ? await qrSvg(uri, 1) : null,
      errors: extra.errors ?? {},
      notice: extra.notice,
    });
  }

  app.get<{ Querystring: { done?: string } }>('/', async (request, reply) => {
    const notice = { on: 'Приложение подключено: при входе вводите код из него.', off: 'Приложение отключено: коды для входа снова приходят на почту.' }[request.query.done ?? ''];
    return page(request, reply, { notice });
  });

  app.post('/key', async (request, reply) => {
    await startTotpSetup(db, signedInStaff(request).id, config.sessionSecret);
    return reply.redirect('/admin/account/totp', 303);
  });

  /** Switching on and off alike: a limited number of tries, then a code from the app. */
  async function switchWithCode(request: FastifyRequest, reply: FastifyReply, to: 'on' | 'off', wrongCode: string) {
    const wait = await overLimit(db, [[CODE_LIMIT, String(signedInStaff(request).id)]], clock.now());
    if (wait !== null) return page(request, reply, { errors: { code: tooManyAttempts(reply, wait) } });
    const code = codeFrom(request.body);
    const change = to === 'on' ? enableTotp : disableTotp;
    const input = { staffId: signedInStaff(request).id, code: code ?? '', now: clock.now(), secret: config.sessionSecret, ip: request.ip };
    const ok = code !== null && (await db.transaction().execute((trx) => change(trx, input)));
    if (!ok) return page(request, reply.code(422), { errors: { code: wrongCode } });
    return reply.redirect(`/admin/account/totp?done=${to}`, 303);
  }

  app.post('/', (request, reply) => switchWithCode(request, reply, 'on', 'Неверный код. Проверьте время на телефоне и введите код из приложения'));

  app.post('/removal', (request, reply) => switchWithCode(request, reply, 'off', 'Неверный код. Введите код из приложения'));
};

export default totpSettings;
