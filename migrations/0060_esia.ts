import { sql, type Kysely } from 'kysely';

// Госуслуги (ЕСИА) accounts linked to residents. One ЕСИА subject belongs to one
// resident and a resident has at most one. СНИЛС and passport are kept only
// masked, to show which Госуслуги account is linked: nothing in the cabinet needs
// the full numbers. A resident who signed up through Госуслуги has no password
// until they set one.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('esia_links')
    .addColumn('resident_id', 'integer', (c) => c.primaryKey().references('residents.id').onDelete('cascade'))
    .addColumn('subject', 'text', (c) => c.notNull().unique())
    .addColumn('trust_level', 'text', (c) => c.notNull().check(sql`trust_level in ('simplified', 'standard', 'confirmed')`))
    .addColumn('snils_masked', 'text')
    .addColumn('passport_masked', 'text')
    .addColumn('linked_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_sign_in_at', 'timestamptz')
    .execute();
  await db.schema.alterTable('residents').alterColumn('password_hash', (c) => c.dropNotNull()).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  // An unusable hash: such residents can still get in by resetting the password.
  await db.updateTable('residents').set({ password_hash: '!' }).where('password_hash', 'is', null).execute();
  await db.schema.alterTable('residents').alterColumn('password_hash', (c) => c.setNotNull()).execute();
  await db.schema.dropTable('esia_links').execute();
}
