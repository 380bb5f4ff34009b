import session from '@fastify/session';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import type { Db } from '../db/index.js';
import { DbSessionStore, type SessionOwner } from './session-store.js';

declare module 'fastify' {
  interface Session {
    residentId?: number;
    staffId?: number;
    userAgent?: string;
    ip?: string;
    /** When the expiry was last moved on (ms since the epoch). */
    renewedAt?: number;
  }
  interface FastifyRequest {
    /** The resident or staff member read together with this request's session, if any. */
    sessionOwner: SessionOwner | null;
  }
}

export type SessionArea = {
  area: 'resident' | 'staff';
  cookieName: string;
  /** Idle lifetime: activity moves the expiry on (see needsRenewal). */
  maxAgeMs: number;
};

export const residentSessions: SessionArea = { area: 'resident', cookieName: 'sid', maxAgeMs: 8 * 3600_000 };
export const staffSessions: SessionArea = { area: 'staff', cookieName: 'staff_sid', maxAgeMs: 30 * 60_000 };

/** A sixteenth of the lifetime: 30 minutes for residents, under 2 minutes for staff. */
const RENEW_AFTER_FRACTION = 1 / 16;

/**
 * Whether a session stored to expire at `expiresAt` should be saved with a new expiry
 * now. Rewriting the row and re-signing the cookie on every page view cost a third of
 * a signed-in page's throughput; moving the expiry on once a sixteenth of the lifetime
 * has passed keeps the idle timeout within 1/16 of its nominal length.
 */
export function needsRenewal(expiresAt: Date | undefined, maxAgeMs: number, nowMs: number): boolean {
  if (expiresAt === undefined) return false;
  return expiresAt.getTime() - nowMs < maxAgeMs * (1 - RENEW_AFTER_FRACTION);
}

/**
 * Registered once per area (resident pages, /admin), each with its own cookie,
 * so a resident session never opens anything under /admin and the reverse.
 * A session is written only when its data changes or its expiry is due to move on.
 */
export default fp<{ config: Config; db: Db; area: SessionArea }>(
  async (app, { config, db, area }) => {
    const store = new DbSessionStore(db, area.area, area.maxAgeMs, !config.isProduction);
    await app.register(session, {
      secret: config.sessionSecret,
      cookieName: area.cookieName,
      store,
      saveUninitialized: false,
      rolling: false,
      cookie: {
        httpOnly: true,
        sameSite: 'lax',
        secure: config.isProduction,
        path: '/',
        maxAge: area.maxAgeMs,
      },
    });
    app.decorateRequest('sessionOwner', null);
    // Runs right after @fastify/session loaded the session for this request.
    app.addHook('onRequest', async (request) => {
      const current = request.session;
      if (!current?.sessionId) return;
      request.sessionOwner = store.takeOwner(current.sessionId) ?? null;
      // A changed session is saved (with a fresh expiry and cookie) when the response is sent.
      // @fastify/session keeps the stored expiry as originalExpires (not in its types).
      const storedExpiry = (current.cookie as { originalExpires?: Date }).originalExpires;
      if (needsRenewal(storedExpiry, area.maxAgeMs, Date.now())) current.renewedAt = Date.now();
    });
  },
  { name: `session` },
);
