import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { count } from './format.js';

// @fastify/view (registered first) gives every reply an empty `locals` object.
declare module 'fastify' {
  interface FastifyReply {
    locals: Record<string, unknown>;
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** "5 минут", "1 минуту", "30 секунд": how long to wait, for messages. */
export function waitText(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 60) return count(seconds, 'секунду', 'секунды', 'секунд');
  return count(Math.ceil(seconds / 60), 'минуту', 'минуты', 'минут');
}

/**
 * Helmet with a strict CSP (own scripts and styles only), CSRF on every unsafe
 * method (the token travels in a hidden field, the X-CSRF-Token header for htmx,
 * or the query string for multipart forms whose body is read later), and rate
 * limits shared through Redis when there is one.
 */
export default fp<{ config: Config; redis?: Redis }>(
  async (app, { config, redis }) => {
    await app.register(helmet, {
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          upgradeInsecureRequests: config.isProduction ? [] : null,
        },
      },
      hsts: config.isProduction,
      referrerPolicy: { policy: 'same-origin' },
    });

    await app.register(cookie, { secret: config.sessionSecret });
    await app.register(csrf, {
      sessionPlugin: '@fastify/cookie',
      cookieKey: '_csrf',
      cookieOpts: { httpOnly: true, sameSite: 'lax', secure: config.isProduction, path: '/', signed: true },
      getToken: (request) => {
        const body = request.body as Record<string, unknown> | undefined;
        const query = request.query as Record<string, unknown> | undefined;
        const fromBody = body && typeof body._csrf === 'string' ? body._csrf : undefined;
        const fromQuery = query && typeof query._csrf === 'string' ? query._csrf : undefined;
        return fromBody ?? (request.headers['x-csrf-token'] as string | undefined) ?? fromQuery;
      },
    });

    app.addHook('preHandler', (request, reply, done) => {
      reply.locals.csrfToken = reply.generateCsrf();
      if (UNSAFE.has(request.method)) app.csrfProtection(request, reply, done);
      else done();
    });

    await app.register(rateLimit, {
      global: true,
      max: config.isProduction ? 300 : 3000,
      timeWindow: '1 minute',
      ...(redis ? { redis, nameSpace: `${config.queuePrefix}-rate:` } : {}),
      errorResponseBuilder: (_request, context) => ({
        statusCode: context.statusCode,
        error: 'Too Many Requests',
        message: `Слишком много запросов. Попробуйте снова через ${waitText(context.ttl)}.`,
      }),
    });
  },
  { name: 'security' },
);
