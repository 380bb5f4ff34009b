import { sql, type Kysely } from 'kysely';

// One owner per payer account in the cabinet. A resident may withdraw a pending
// request and hide a refused one; staff may hand the ownership to someone else
// with a recorded reason (the previous link then reads «transferred»).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table account_links drop constraint account_links_status_check`.execute(db);
  await sql`
    alter table account_links add constraint account_links_status_check
      check (status in ('pending', 'approved', 'rejected', 'withdrawn', 'transferred'))`.execute(db);
  await db.schema.alterTable('account_links').addColumn('hidden_at', 'timestamptz').execute();
  // The database itself refuses a second owner, whatever the code path or race.
  await db.schema
    .createIndex('account_links_one_owner_key')
    .on('account_links')
    .column('payer_account_id')
    .unique()
    .where(sql.ref('status'), '=', 'approved')
    .execute();

  await db.schema
    .createTable('ownership_transfers')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('payer_account_id', 'integer', (c) => c.notNull().references('payer_accounts.id'))
    .addColumn('from_resident_id', 'integer', (c) => c.references('residents.id'))
    .addColumn('to_resident_id', 'integer', (c) => c.notNull().references('residents.id'))
    .addColumn('reason', 'text', (c) => c.notNull().check(sql`length(reason) between 1 and 500`))
    .addColumn('staff_id', 'integer', (c) => c.notNull().references('staff.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('ownership_transfers_account_idx')
    .on('ownership_transfers')
    .columns(['payer_account_id', 'created_at desc', 'id desc'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('ownership_transfers').execute();
  await db.schema.dropIndex('account_links_one_owner_key').execute();
  await db.schema.alterTable('account_links').dropColumn('hidden_at').execute();
  await sql`update account_links set status = 'rejected' where status in ('withdrawn', 'transferred')`.execute(db);
  await sql`alter table account_links drop constraint account_links_status_check`.execute(db);
  await sql`alter table account_links add constraint account_links_status_check check (status in ('pending', 'approved', 'rejected'))`.execute(db);
}
