import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect } from 'kysely';
import pg from 'pg';
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

export function createDb(target: DatabaseTarget): Db {
  if ('databaseUrl' in target) {
    const pool = new pg.Pool({ connectionString: target.databaseUrl, max: 10 });
    return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
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
  return new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
}

/** A unique index refused a row: `constraint` names the index (Postgres error 23505). */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  const pgError = error as { code?: unknown; constraint?: unknown } | null;
  return pgError?.code === '23505' && pgError.constraint === constraint;
}
