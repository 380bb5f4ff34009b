import session from '@fastify/session';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import type { Db } from '../db/index.js';
import { DbSessionStore } from './session-store.js';

declare module 'fastify' {
  interface Session {
    residentId?: number;
    staffId?: number;
    userAgent?: string;
    ip?: string;
  }
}

export type SessionArea = {
  area: 'resident' | 'staff';
  cookieName: string;
  /** Idle lifetime: every request moves the expiry on. */
  maxAgeMs: number;
};

export const residentSessions: SessionArea = { area: 'resident', cookieName: 'sid', maxAgeMs: 8 * 3600_000 };
export const staffSessions: SessionArea = { area: 'staff', cookieName: 'staff_sid', maxAgeMs: 30 * 60_000 };

/**
 * Registered once per area (resident pages, /admin), each with its own cookie,
 * so a resident session never opens anything under /admin and the reverse.
 */
export default fp<{ config: Config; db: Db; area: SessionArea }>(
  async (app, { config, db, area }) => {
    await app.register(session, {
      secret: config.sessionSecret,
      cookieName: area.cookieName,
      store: new DbSessionStore(db, area.area, area.maxAgeMs),
      saveUninitialized: false,
      rolling: true,
      cookie: {
        httpOnly: true,
        sameSite: 'lax',
        secure: config.isProduction,
        path: '/',
        maxAge: area.maxAgeMs,
      },
    });
  },
  { name: `session` },
);
