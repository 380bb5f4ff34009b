import { sql, type Kysely } from 'kysely';

// Indexes found missing in review. The outbox relay looks, on every pass, for rows
// handed over long ago and never finished (a process died mid-job, or Redis lost
// them): only the few rows in flight are in this partial index.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('outbox_dispatched_idx')
    .on('outbox')
    .column('dispatched_at')
    .where(sql.ref('status'), '=', 'dispatched')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('outbox_dispatched_idx').execute();
}
