import { sql, type Kysely } from 'kysely';

// Sent messages and outbox payloads carry codes and links in plain text; they are
// erased after a while. The partial indexes hold only what is still to erase.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sent_messages').addColumn('erased_at', 'timestamptz').execute();
  await db.schema.alterTable('outbox').addColumn('payload_erased_at', 'timestamptz').execute();
  await db.schema
    .createIndex('sent_messages_to_erase_idx')
    .on('sent_messages')
    .column('sent_at')
    .where(sql.ref('erased_at'), 'is', null)
    .execute();
  await db.schema
    .createIndex('outbox_to_erase_idx')
    .on('outbox')
    .column('finished_at')
    .where(sql<boolean>`payload_erased_at is null and status in ('done', 'failed')`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('outbox_to_erase_idx').execute();
  await db.schema.dropIndex('sent_messages_to_erase_idx').execute();
  await db.schema.alterTable('outbox').dropColumn('payload_erased_at').execute();
  await db.schema.alterTable('sent_messages').dropColumn('erased_at').execute();
}
