import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { field } from '../security/input.js';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A route whose unsafe method is called by another server, not a browser form (a webhook signed another way). */
    csrf?: false;
  }
}

/**
 * Signed cookies, and CSRF on every unsafe method: the token travels in a hidden
 * field, the X-CSRF-Token header for htmx, or the query string for multipart forms
 * whose body is read later.
 */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    await app.register(cookie, { secret: config.sessionSecret });
    await app.register(csrf, {
      sessionPlugin: '@fastify/cookie',
      cookieKey: '_csrf',
      cookieOpts: { httpOnly: true, sameSite: 'lax', secure: config.isProduction, path: '/', signed: true },
      getToken: (request) => {
        const header = request.headers['x-csrf-token'];
        return field(request.body, '_csrf') || (typeof header === 'string' ? header : '') || field(request.query, '_csrf');
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
