import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.js';

/**
 * Records that a job must run once this transaction commits. The relay hands it
 * to the queue afterwards, so nothing is lost if Redis or the process dies
 * between the commit and the enqueue.
 */
export async function enqueueJob(trx: Transaction<Database>, job: string, payload: unknown): Promise<number> {
  const row = await trx
    .insertInto('outbox')
    .values({ job, payload: JSON.stringify(payload) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
