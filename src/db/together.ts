import type { InferResult, SelectQueryBuilder } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { Db } from './index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any query of any tables
type Reads = Record<string, SelectQueryBuilder<any, any, any>>;

export type ReadResults<R extends Reads> = { [K in keyof R]: InferResult<R[K]> };

// How Postgres writes a timestamptz in JSON (every timestamp column here has a time zone).
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d(:\d\d)?)$/;

/** The statement that runs several reads at once: one row, a JSON array per read. */
export function together<R extends Reads>(db: Db, reads: R) {
  return db.selectNoFrom(Object.entries(reads).map(([name, query]) => jsonArrayFrom(query).as(name))) as unknown as SelectQueryBuilder<
    Record<string, never>,
    never,
    ReadResults<R>
  >;
}

/** Timestamps back to Date, as the driver gives them (JSON has only strings). */
export function revived<T>(row: T): T {
  for (const rows of Object.values(row as Record<string, Record<string, unknown>[]>)) {
    for (const r of rows) {
      for (const [key, value] of Object.entries(r)) {
        if (typeof value === 'string' && TIMESTAMP.test(value)) r[key] = new Date(value);
      }
    }
  }
  return row;
}

/**
 * Runs several reads as one statement, each read a JSON array in one row. A page's
 * reads then cost one round trip (and one cached plan) instead of one each, which
 * was most of a signed-in page's time: every round trip costs both processes a
 * wake-up. The reads may refer to each other only through subqueries, not results.
 * Rows come back as the driver gives them: timestamps as Date, dates as
 * 'YYYY-MM-DD', int8 and numeric as numbers.
 */
export async function readTogether<R extends Reads>(db: Db, reads: R): Promise<ReadResults<R>> {
  return revived(await together(db, reads).executeTakeFirstOrThrow());
}
