import type { FastifyReply } from 'fastify';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { count } from '../lib/format.js';

/** A limit on attempts: at most `max` hits in a fixed window of `windowMs` from the first. */
export type Limit = { name: string; max: number; windowMs: number };

/** "5 минут", "1 минуту", "30 секунд": how long to wait, for messages. */
export function waitText(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 60) return count(seconds, 'секунду', 'секунды', 'секунд');
  return count(Math.ceil(seconds / 60), 'минуту', 'минуты', 'минут');
}

/**
 * Counts one hit against each limit (fixed window from the first hit) and gives
 * how long to wait when any is exceeded, or null. Counters live in Postgres, so
 * every web process shares them, and they follow the app's clock.
 */
export async function overLimit(db: Kysely<Database>, checks: [Limit, string][], now: Date): Promise<number | null> {
  let waitMs: number | null = null;
  for (const [limit, subject] of checks) {
    const windowOpenSince = new Date(now.getTime() - limit.windowMs);
    const row = await db
      .insertInto('rate_limits')
      .values({ key: `${limit.name}:${subject}`, window_started_at: now, hits: 1 })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          hits: sql<number>`case when rate_limits.window_started_at > ${windowOpenSince} then rate_limits.hits + 1 else 1 end`,
          window_started_at: sql<Date>`case when rate_limits.window_started_at > ${windowOpenSince} then rate_limits.window_started_at else ${now}::timestamptz end`,
        }),
      )
      .returning(['hits', 'window_started_at'])
      .executeTakeFirstOrThrow();
    if (row.hits > limit.max) {
      const left = row.window_started_at.getTime() + limit.windowMs - now.getTime();
      waitMs = Math.max(waitMs ?? 0, left);
    }
  }
  return waitMs;
}

/** Sets 429 and Retry-After, and gives the Russian message that says when to try again. */
export function tooManyAttempts(reply: FastifyReply, waitMs: number, what = 'Слишком много попыток.'): string {
  reply.code(429).header('Retry-After', String(Math.max(1, Math.ceil(waitMs / 1000))));
  return `${what} Попробуйте снова через ${waitText(waitMs)}.`;
}
