import type { Kysely } from 'kysely';

// The moderator's queue lists pending requests by (created_at, id) a page at a time;
// with the id in the index the page comes off the index in order, with no sort,
// however long the queue (EXPLAIN on a bench:seed district with distinct timestamps).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('account_links_queue_order_idx').on('account_links').columns(['status', 'created_at', 'id']).execute();
  await db.schema.dropIndex('account_links_queue_idx').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('account_links_queue_idx').on('account_links').columns(['status', 'created_at']).execute();
  await db.schema.dropIndex('account_links_queue_order_idx').execute();
}
