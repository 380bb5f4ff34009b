import type { Session } from 'fastify';
import { sql } from 'kysely';
import type { Db } from '../db/index.js';

type Callback = (error?: unknown) => void;
type SessionCallback = (error: unknown, session?: Session | null) => void;

/**
 * Hands a query's outcome to @fastify/session's callback outside the promise chain.
 * The callback goes on to write the response; called inside `.then`, anything it
 * throws would become an unhandled rejection (which stops Node) instead of
 * reaching Fastify's error handling.
 */
function settle<T>(query: Promise<T>, onDone: (value: T) => void, onError: (error: unknown) => void): void {
  query.then(
    (value) => setImmediate(onDone, value),
    (error: unknown) => setImmediate(onError, error),
  );
}

/**
 * Sessions live in Postgres so the web process stays stateless. Who the session
 * belongs to is copied into columns, so a resident's sessions can be listed and
 * a staff member's ended at once.
 */
export class DbSessionStore {
  constructor(
    private readonly db: Db,
    private readonly area: 'resident' | 'staff',
    private readonly defaultMaxAgeMs: number,
  ) {}

  set(sid: string, session: Session, callback: Callback): void {
    const expires = session.cookie?.expires ? new Date(session.cookie.expires) : new Date(Date.now() + this.defaultMaxAgeMs);
    const row = {
      data: JSON.stringify(session),
      resident_id: session.residentId ?? null,
      staff_id: session.staffId ?? null,
      user_agent: session.userAgent ?? null,
      ip: session.ip ?? null,
      expires_at: expires,
    };
    const query = this.db
      .insertInto('sessions')
      .values({ sid, area: this.area, ...row })
      .onConflict((oc) => oc.column('sid').doUpdateSet({ ...row, updated_at: sql<Date>`now()` }))
      .execute();
    settle(query, () => callback(), callback);
  }

  get(sid: string, callback: SessionCallback): void {
    const query = this.db
      .selectFrom('sessions')
      .select('data')
      .where('sid', '=', sid)
      .where('area', '=', this.area)
      .where('expires_at', '>', sql<Date>`now()`)
      .executeTakeFirst();
    settle(query, (row) => callback(null, row ? (row.data as Session) : null), (error) => callback(error));
  }

  destroy(sid: string, callback: Callback): void {
    const query = this.db.deleteFrom('sessions').where('sid', '=', sid).execute();
    settle(query, () => callback(), callback);
  }
}
