import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect } from 'kysely';
import pg from 'pg';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

// node-postgres returns int8 (bigint, count(*)) as strings and PGlite as numbers;
// money is integer kopecks far below 2^53, so both become plain numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));
// Calendar dates stay YYYY-MM-DD strings: a Date would shift them by the time zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);

const INT8 = 20;
const NUMERIC = 1700;
const DATE = 1082;

export type DatabaseTarget = { databaseUrl: string } | { pgliteDir: string };

// At most this many prepared statements per connection, each of at most this much text:
// the pages' queries fit many times over, and a query built with a varying number of
// parameters (a long IN list, a bulk insert) cannot fill a connection's memory.
const PREPARED_PER_CONNECTION = 500;
const PREPARED_MAX_TEXT = 8_000;
const DML = /^\s*(select|insert|update|delete|with)\b/i;

// Names of the texts seen, shared by the pool's connections: a Map lookup costs far
// less than hashing each page's SQL again on every query.
const statementNames = new Map<string, string>();

function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = 'q' + createHash('sha1').update(text).digest('base64url');
    if (statementNames.size < PREPARED_PER_CONNECTION * 4) statementNames.set(text, name);
  }
  return name;
}

/**
 * A pg client that runs each data statement as a named prepared statement, so
 * Postgres parses and plans a page's queries once per connection instead of on
 * every request (parsing and planning were three quarters of a signed-in page's
 * database time). The name is a hash of the text: the same SQL, the same statement.
 * DDL and statements without parameters (which may hold several commands) stay unnamed.
 */
export class PreparingClient extends pg.Client {
  private readonly prepared = new Set<string>();

  // pg's query() has many overloads; Kysely calls it as query(text, values).
  override query(...args: unknown[]): never {
    const query = super.query as unknown as (...a: unknown[]) => never;
    const [text, values] = args;
    if (typeof text === 'string' && Array.isArray(values) && values.length > 0 && text.length <= PREPARED_MAX_TEXT && DML.test(text)) {
      const name = statementName(text);
      if (this.prepared.has(name) || this.prepared.size < PREPARED_PER_CONNECTION) {
        this.prepared.add(name);
        return query.call(this, { name, text, values });
      }
    }
    return query.apply(this, args);
  }
}

/** Calls `onNotify` on each NOTIFY of `channel`; resolves to a function that stops listening. */
export type Listen = (channel: string, onNotify: () => void, onError: (error: Error) => void) => Promise<() => Promise<void>>;

const listeners = new WeakMap<Db, Listen>();

/** How to LISTEN on the database behind `db` (undefined for a Kysely made elsewhere). */
export function listenerFor(db: Db): Listen | undefined {
  return listeners.get(db);
}

/** LISTEN needs a connection of its own, outside the pool: it stays open while the process lives. */
function postgresListener(connectionString: string): Listen {
  return async (channel, onNotify, onError) => {
    const client = new pg.Client({ connectionString });
    client.on('notification', (message) => {
      if (message.channel === channel) onNotify();
    });
    client.on('error', onError);
    await client.connect();
    await client.query(`listen ${pg.escapeIdentifier(channel)}`);
    return () => client.end();
  };
}

// A connection's prepared statements and their plans die with it, and a busy page's plans are
// costly: each new connection plans «Главная»'s read six times (five custom plans before Postgres
// settles on a generic one), tens of milliseconds each. pg's default closed a connection after
// 10 s idle, so a web process that paused for 10 s planned everything again on the next burst.
const IDLE_CONNECTION_KEPT_MS = 10 * 60_000;

export function createDb(target: DatabaseTarget): Db {
  if ('databaseUrl' in target) {
    const pool = new pg.Pool({ connectionString: target.databaseUrl, max: 10, idleTimeoutMillis: IDLE_CONNECTION_KEPT_MS, Client: PreparingClient });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    listeners.set(db, postgresListener(target.databaseUrl));
    return db;
  }
  mkdirSync(path.dirname(target.pgliteDir), { recursive: true });
  const pglite = new PGlite(target.pgliteDir, {
    // Postgres's memory defaults are sized for a server; the embedded demo is one
    // person's database, and every buffer lives in the process's WebAssembly heap.
    postgresqlconf: ['shared_buffers = 16MB', 'work_mem = 4MB', 'maintenance_work_mem = 32MB', 'temp_buffers = 4MB', 'wal_buffers = 1MB'],
    parsers: {
      [INT8]: (value: string) => Number(value),
      [NUMERIC]: (value: string) => Number(value),
      [DATE]: (value: string) => value,
    },
  });
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
  listeners.set(db, async (channel, onNotify) => pglite.listen(channel, () => onNotify()));
  return db;
}

/** A unique index refused a row: `constraint` names the index (Postgres error 23505). */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  const pgError = error as { code?: unknown; constraint?: unknown } | null;
  return pgError?.code === '23505' && pgError.constraint === constraint;
}
