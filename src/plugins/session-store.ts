import type { Session } from 'fastify';
import { sql } from 'kysely';
import type { Db } from '../db/index.js';
import { preparedRead } from '../db/prepared-read.js';
import type { IdentityStatus, StaffRole } from '../db/schema.js';

type Callback = (error?: unknown) => void;
type SessionCallback = (error: unknown, session?: Session | null) => void;

export type ResidentOwner = { id: number; email: string; phone: string; identity_status: IdentityStatus };
export type StaffOwner = { id: number; email: string; full_name: string; roles: StaffRole[]; active: boolean };
/** Who a loaded session belongs to, read in the same statement as the session itself. */
export type SessionOwner = ResidentOwner | StaffOwner;

// An owner is taken by the next hook of the same request; one left behind (a request
// that failed in between) is dropped once this much older.
const OWNER_KEPT_MS = 10_000;

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
 * a staff member's ended at once. Loading a session reads its owner in the same
 * statement (one round trip per page instead of two); the loaders take it with takeOwner.
 */
export class DbSessionStore {
  private readonly owners = new Map<string, { owner: SessionOwner; loadedAt: number }>();
  private readonly readResidentSession;
  private readonly readStaffSession;

  constructor(
    private readonly db: Db,
    private readonly area: 'resident' | 'staff',
    private readonly defaultMaxAgeMs: number,
    /** Outside production: each read also compiled afresh and compared (see preparedRead). */
    verifyReads: boolean,
  ) {
    // Every page reads its session: compiled once.
    this.readResidentSession = preparedRead(
      db,
      ({ sid }: { sid: string }) =>
        this.liveSession(sid).leftJoin('residents as r', 'r.id', 's.resident_id').select(['s.data', 's.expires_at', 'r.id', 'r.email', 'r.phone', 'r.identity_status']),
      { verify: verifyReads },
    );
    this.readStaffSession = preparedRead(
      db,
      ({ sid }: { sid: string }) =>
        this.liveSession(sid).leftJoin('staff as st', 'st.id', 's.staff_id').select(['s.data', 's.expires_at', 'st.id', 'st.email', 'st.full_name', 'st.roles', 'st.active']),
      { verify: verifyReads },
    );
  }

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
    settle(
      this.load(sid),
      (row) => {
        if (!row) return callback(null, null);
        if (row.owner) this.keepOwner(sid, row.owner);
        // The row's expiry is the truth: @fastify/session reads it as the cookie's
        // original expiry, which is what decides when the session is extended.
        const data = row.data as Session;
        callback(null, { ...data, cookie: { ...data.cookie, expires: row.expires_at } } as Session);
      },
      (error) => callback(error),
    );
  }

  private async load(sid: string): Promise<{ data: unknown; expires_at: Date; owner: SessionOwner | null } | undefined> {
    if (this.area === 'resident') {
      const row = (await this.readResidentSession({ sid }))[0];
      if (!row) return undefined;
      const owner = row.id === null ? null : { id: row.id, email: row.email!, phone: row.phone!, identity_status: row.identity_status! };
      return { data: row.data, expires_at: row.expires_at, owner };
    }
    const row = (await this.readStaffSession({ sid }))[0];
    if (!row) return undefined;
    const owner = row.id === null ? null : { id: row.id, email: row.email!, full_name: row.full_name!, roles: row.roles!, active: row.active! };
    return { data: row.data, expires_at: row.expires_at, owner };
  }

  /** A live session of this area. */
  private liveSession(sid: string) {
    return this.db
      .selectFrom('sessions as s')
      .where('s.sid', '=', sid)
      .where('s.area', '=', this.area)
      .where('s.expires_at', '>', sql<Date>`now()`);
  }

  private keepOwner(sid: string, owner: SessionOwner): void {
    const now = Date.now();
    if (this.owners.size > 1000) {
      for (const [key, kept] of this.owners) if (now - kept.loadedAt > OWNER_KEPT_MS) this.owners.delete(key);
    }
    this.owners.set(sid, { owner, loadedAt: now });
  }

  /** The owner read with session `sid` by this request's load, once. */
  takeOwner(sid: string): SessionOwner | undefined {
    const kept = this.owners.get(sid);
    this.owners.delete(sid);
    return kept?.owner;
  }

  destroy(sid: string, callback: Callback): void {
    const query = this.db.deleteFrom('sessions').where('sid', '=', sid).execute();
    settle(query, () => callback(), callback);
  }
}
