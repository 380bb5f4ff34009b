import { createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Config } from '../../../config.js';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type Provider from 'oidc-provider';
import { field } from '../../../security/input.js';
import { fullName } from '../rules.js';
import { ESIA_SCOPES, SANDBOX_PERSONS, TRUST_LEVEL_LABELS, findSandboxPerson } from './persons.js';
import { SANDBOX_PREFIX } from './paths.js';

const SCOPE_LABELS: Record<string, string> = {
  fullname: 'Фамилия, имя, отчество',
  birthdate: 'Дата рождения',
  snils: 'СНИЛС',
  id_doc: 'Паспорт гражданина РФ',
  email: 'Адрес электронной почты',
  mobile: 'Номер мобильного телефона',
};

function sandboxError(reply: FastifyReply, status: number, message: string) {
  return reply.code(status).viewAsync('esia/sandbox/error', { title: 'Ошибка входа', message });
}

/**
 * The sandbox ЕСИА under /sandbox-esia: the provider's own endpoints (discovery,
 * authorization, token, UserInfo, keys) handed to oidc-provider untouched, and the
 * sign-in page with the test persons, which is ours.
 */
const sandboxEsia: FastifyPluginAsync<{ config: Config }> = async (app, { config }) => {
  const esia = config.esia;
  if (!esia) return;
  // Loaded and built on the first request: an app that never meets the sandbox (most test
  // apps, and every process start) pays nothing for oidc-provider or its key.
  let built: Promise<Provider> | undefined;
  const sandbox = () =>
    (built ??= import('./provider.js').then(({ createSandboxProvider }) => createSandboxProvider({
      // The sandbox registers the cabinet with whatever client id and secret the cabinet is configured with.
      esia,
      publicUrl: config.publicUrl,
      cookieSecret: createHmac('sha256', config.sessionSecret).update('sandbox-esia-cookies').digest('base64url'),
      behindProxy: config.trustProxyHops > 0,
    })));
  const interactionPath = `${SANDBOX_PREFIX}/interaction/:uid`;

  async function interaction(request: Parameters<Provider['interactionDetails']>[0], reply: FastifyReply) {
    return (await sandbox()).interactionDetails(request, reply.raw).catch(() => undefined);
  }

  app.get<{ Params: { uid: string } }>(interactionPath, async (request, reply) => {
    const details = await interaction(request.raw, reply);
    if (!details || details.uid !== request.params.uid) {
      return sandboxError(reply, 400, 'Сеанс входа не найден или истёк. Вернитесь на сайт и начните вход снова.');
    }
    const client = await (await sandbox()).Client.find(String(details.params.client_id));
    const scopes = String(details.params.scope ?? '').split(' ').filter((s) => s in SCOPE_LABELS).map((s) => SCOPE_LABELS[s]);
    return reply.header('Cache-Control', 'no-store').viewAsync('esia/sandbox/sign-in', {
      title: 'Вход',
      clientName: client?.clientName ?? String(details.params.client_id),
      scopes,
      action: `${SANDBOX_PREFIX}/interaction/${details.uid}`,
      persons: SANDBOX_PERSONS.map((p) => ({ id: p.id, name: fullName(p), email: p.email, level: TRUST_LEVEL_LABELS[p.trustLevel] })),
    });
  });

  app.post<{ Params: { uid: string } }>(interactionPath, async (request, reply) => {
    const details = await interaction(request.raw, reply);
    if (!details || details.uid !== request.params.uid) {
      return sandboxError(reply, 400, 'Сеанс входа не найден или истёк. Вернитесь на сайт и начните вход снова.');
    }
    let returnTo: string;
    if (field(request.body, 'refuse') === 'yes') {
      returnTo = await (await sandbox()).interactionResult(request.raw, reply.raw, {
        error: 'access_denied', error_description: 'Пользователь отказался предоставить доступ',
      }, { mergeWithLastSubmission: false });
    } else {
      const person = findSandboxPerson(field(request.body, 'person'));
      if (!person) return sandboxError(reply, 422, 'Выберите тестового пользователя.');
      const clientId = String(details.params.client_id);
      const requested = String(details.params.scope ?? '').split(' ').filter((s) => s in ESIA_SCOPES);
      // Signing in here also grants the scopes asked for, as pressing «Предоставить» would on ЕСИА.
      const provider = await sandbox();
      const grant = new provider.Grant({ accountId: person.id, clientId });
      grant.addOIDCScope(requested.join(' '));
      const grantId = await grant.save();
      returnTo = await (await sandbox()).interactionResult(request.raw, reply.raw, { login: { accountId: person.id }, consent: { grantId } }, { mergeWithLastSubmission: false });
    }
    return reply.redirect(returnTo, 303);
  });

  // The provider reads its own request bodies (and refuses ones parsed before it), so nothing here parses them.
  await app.register(async (op) => {
    op.removeAllContentTypeParsers();
    op.addContentTypeParser('*', (_request, _payload, done) => done(null));
    let handle: ReturnType<Provider['callback']> | undefined;
    op.all(`${SANDBOX_PREFIX}/*`, { config: { csrf: false } }, async (request, reply) => {
      reply.hijack();
      const raw: IncomingMessage & { originalUrl?: string } = request.raw;
      raw.originalUrl = raw.url;
      raw.url = (raw.url ?? '/').slice(SANDBOX_PREFIX.length) || '/';
      handle ??= (await sandbox()).callback();
      void handle(raw, reply.raw);
    });
  });
};

export default sandboxEsia;
