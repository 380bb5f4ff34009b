import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { EsiaConfig } from '../../../config.js';
import { SANDBOX_PREFIX } from './paths.js';
import { ESIA_SCOPES, findSandboxPerson, personClaims } from './persons.js';


/**
 * Another information system registered with the sandbox, so that tests can show
 * that a code issued to someone else is refused by the cabinet.
 */
export const OTHER_CLIENT = { clientId: 'sandbox-other-service', clientSecret: 'sandbox-other-service-secret-0123456789' };

const ERROR_TEXTS: Record<string, string> = {
  invalid_request: 'Запрос к ЕСИА составлен неверно.',
  invalid_client: 'Информационная система не зарегистрирована в ЕСИА.',
  invalid_redirect_uri: 'Адрес возврата не зарегистрирован для этой информационной системы.',
  access_denied: 'Доступ запрещён.',
  session_not_found: 'Сеанс входа не найден или истёк. Вернитесь на сайт и начните вход снова.',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The sandbox ЕСИА: a real OpenID Provider (oidc-provider) with ЕСИА's scopes, a
 * test-person sign-in page of our own (the interaction pages), PKCE required, and
 * this cabinet registered as a confidential client. The signing key lives in memory:
 * tokens die with the process, as a sandbox's may. Grants, codes and sessions use the
 * library's in-memory store, so the sandbox serves one process.
 */
// One signing key per process, made when the sandbox is first built: RSA key generation is slow.
let signingKey: KeyObject | undefined;

export function createSandboxProvider(options: { esia: EsiaConfig; publicUrl: string; cookieSecret: string; behindProxy: boolean }): Provider {
  signingKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const privateKey = signingKey;
  const configuration: Configuration = {
    clients: [
      {
        client_id: options.esia.clientId,
        client_secret: options.esia.clientSecret,
        client_name: 'Личный кабинет ЖКУ',
        redirect_uris: [`${options.publicUrl}/login/esia/callback`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      {
        client_id: OTHER_CLIENT.clientId,
        client_secret: OTHER_CLIENT.clientSecret,
        client_name: 'Другая информационная система',
        redirect_uris: [`${options.publicUrl}${SANDBOX_PREFIX}/other-service/callback`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [privateKey.export({ format: 'jwk' }) as never] },
    cookies: { keys: [options.cookieSecret] },
    claims: Object.fromEntries(Object.entries(ESIA_SCOPES).map(([scope, claims]) => [scope, [...claims]])),
    scopes: Object.keys(ESIA_SCOPES),
    responseTypes: ['code'],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `${SANDBOX_PREFIX}/interaction/${interaction.uid}` },
    findAccount: (_ctx, id) => {
      const person = findSandboxPerson(id);
      if (!person) return undefined;
      const claims = personClaims(person);
      return { accountId: id, claims: () => ({ sub: id, ...claims }) };
    },
    ttl: { AuthorizationCode: 60, Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
    renderError: (ctx: KoaContextWithOIDC, out) => {
      const text = ERROR_TEXTS[out.error] ?? 'Вход через ЕСИА не удался.';
      ctx.type = 'html';
      ctx.body = `<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Ошибка — ЕСИА (песочница)</title></head><body><main><h1>Ошибка ЕСИА</h1><p>${escapeHtml(text)}</p><p><code>${escapeHtml(out.error)}</code></p></main></body></html>`;
    },
  };
  const provider = new Provider(`${options.publicUrl}${SANDBOX_PREFIX}`, configuration);
  provider.proxy = options.behindProxy;
  return provider;
}
