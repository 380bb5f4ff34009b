import cookie from '@fastify/cookie';
import CsrfTokens from '@fastify/csrf';
import csrf from '@fastify/csrf-protection';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { field } from '../security/input.js';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const COOKIE = '_csrf';
const tokens = CsrfTokens();

/**
 * For a route with `csrf: false` that reads its own body (a multipart upload, whose
 * token arrives as a form field only once the body is read): the same check as the plugin's.
 */
export function csrfTokenValid(request: FastifyRequest, token: string): boolean {
  const cookie = request.cookies[COOKIE];
  if (!cookie || !token) return false;
  const secret = request.unsignCookie(cookie);
  return secret.valid && secret.value !== null && tokens.verify(secret.value, token);
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A route whose unsafe method is called by another server, not a browser form (a webhook signed another way). */
    csrf?: false;
  }
}

/**
 * Signed cookies, and CSRF on every unsafe method: the token travels in a hidden
 * field or the X-CSRF-Token header for htmx; a multipart form checks its own field
 * with csrfTokenValid, so the token never shows in the address bar.
 */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    await app.register(cookie, { secret: config.sessionSecret });
    await app.register(csrf, {
      sessionPlugin: '@fastify/cookie',
      cookieKey: COOKIE,
      cookieOpts: { httpOnly: true, sameSite: 'lax', secure: config.isProduction, path: '/', signed: true },
      getToken: (request) => {
        const header = request.headers['x-csrf-token'];
        return field(request.body, '_csrf') || (typeof header === 'string' ? header : '');
      },
    });

    app.addHook('preHandler', (request, reply, done) => {
      reply.locals.csrfToken = reply.generateCsrf();
      if (UNSAFE.has(request.method) && request.routeOptions.config.csrf !== false) app.csrfProtection(request, reply, done);
      else done();
    });
  },
  { name: 'csrf' },
);
