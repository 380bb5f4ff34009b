import type { Session } from 'fastify';
import { sql } from 'kysely';
import type { Db } from '../db/index.js';

type Callback = (error?: unknown) => void;
type SessionCallback = (error: unknown, session?: Session | null) => void;

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
    this.db
      .insertInto('sessions')
      .values({ sid, area: this.area, ...row })
      .onConflict((oc) => oc.column('sid').doUpdateSet({ ...row, updated_at: sql<Date>`now()` }))
      .execute()
      .then(() => callback(), callback);
  }

  get(sid: string, callback: SessionCallback): void {
    this.db
      .selectFrom('sessions')
      .select('data')
      .where('sid', '=', sid)
      .where('area', '=', this.area)
      .where('expires_at', '>', sql<Date>`now()`)
      .executeTakeFirst()
      .then((row) => callback(null, row ? (row.data as Session) : null), (error) => callback(error));
  }

  destroy(sid: string, callback: Callback): void {
    this.db
      .deleteFrom('sessions')
      .where('sid', '=', sid)
      .execute()
      .then(() => callback(), callback);
  }
}
