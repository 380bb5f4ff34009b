import rateLimit from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { waitText } from '../security/rate-limits.js';
import { residentSessions, staffSessions } from './session.js';

/**
 * Requests a minute on ordinary pages. A signed-in person is counted by session: a
 * city's mobile carriers put thousands of people behind one address, so a per-IP
 * ceiling would lock out a whole district. Anonymous visitors can only be counted by
 * address, with a ceiling sized for a carrier's shared one. Where guessing matters
 * (passwords, codes, resets, sign-up) the routes keep their own strict limits per
 * address and per account (src/security/rate-limits.ts).
 */
export const PAGE_LIMITS = {
  production: { perSession: 600, perAddress: 3000 },
  otherwise: { perSession: 6000, perAddress: 30000 },
};

const SESSION_COOKIES = [residentSessions.cookieName, staffSessions.cookieName];

/**
 * The bucket a request counts against: its session when it carries a genuine session
 * cookie (signed with our secret, so a client cannot invent a fresh bucket per request),
 * its address otherwise.
 */
export function rateLimitKey(request: FastifyRequest): string {
  const area = request.url.startsWith('/admin') ? SESSION_COOKIES.slice().reverse() : SESSION_COOKIES;
  for (const name of area) {
    const cookie = request.cookies[name];
    if (!cookie) continue;
    const sid = request.unsignCookie(cookie);
    // Hashed: the session id is a bearer secret and stays out of Redis.
    if (sid.valid && sid.value) return `session:${createHash('sha256').update(sid.value).digest('base64url')}`;
  }
  return `ip:${request.ip}`;
}

/** A ceiling on requests per session or per address, shared through Redis when there is one. */
export default fp<{ config: Config; redis?: Redis }>(
  async (app, { config, redis }) => {
    const limits = config.isProduction ? PAGE_LIMITS.production : PAGE_LIMITS.otherwise;
    await app.register(rateLimit, {
      global: true,
      keyGenerator: rateLimitKey,
      max: (_request, key) => (key.startsWith('session:') ? limits.perSession : limits.perAddress),
      timeWindow: '1 minute',
      ...(redis ? { redis, nameSpace: `${config.queuePrefix}-rate:` } : {}),
      errorResponseBuilder: (_request, context) => ({
        statusCode: context.statusCode,
        error: 'Too Many Requests',
        message: `Слишком много запросов. Попробуйте снова через ${waitText(context.ttl)}.`,
      }),
    });
  },
  { name: 'rate-limit' },
);
