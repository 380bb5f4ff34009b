import { sql, type Kysely } from 'kysely';

// The sandbox online register (онлайн-касса) that stands in for a real one outside
// production, kept apart from the application's own tables: its registration (the
// register number, the fiscal drive, the organisation it is registered to) and the
// fiscal documents it has issued, numbered without gaps. Also the phone of each
// payee, which a payment agent's receipt must print for every line (54-ФЗ).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('payees').addColumn('phone', 'text').execute();

  await db.schema
    .createTable('sandbox_fiscal_registers')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('registration_number', 'text', (c) => c.notNull().unique().check(sql`registration_number ~ '^[0-9]{16}$'`))
    .addColumn('fn_number', 'text', (c) => c.notNull().unique().check(sql`fn_number ~ '^[0-9]{16}$'`))
    .addColumn('company_name', 'text', (c) => c.notNull())
    .addColumn('company_inn', 'text', (c) => c.notNull().check(sql`company_inn ~ '^[0-9]{10}$'`))
    .addColumn('tax_system', 'text', (c) => c.notNull())
    .addColumn('settlement_place', 'text', (c) => c.notNull())
    .addColumn('ofd_name', 'text', (c) => c.notNull())
    // The key the fiscal drive signs documents with (the ФП is derived from it).
    .addColumn('sign_key', 'text', (c) => c.notNull())
    .addColumn('last_fd_number', 'integer', (c) => c.notNull().defaultTo(0))
    // A shift (смена) per Moscow day: the number of the current one, its date and its last receipt.
    .addColumn('shift_number', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('shift_date', 'date')
    .addColumn('last_number_in_shift', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('sandbox_fiscal_documents')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('register_id', 'integer', (c) => c.notNull().references('sandbox_fiscal_registers.id'))
    // The caller's idempotency key: asking twice gives the same document back.
    .addColumn('external_id', 'text', (c) => c.notNull().unique())
    .addColumn('fd_number', 'integer', (c) => c.notNull())
    .addColumn('fiscal_sign', 'text', (c) => c.notNull().check(sql`fiscal_sign ~ '^[0-9]{10}$'`))
    .addColumn('shift_number', 'integer', (c) => c.notNull())
    .addColumn('number_in_shift', 'integer', (c) => c.notNull())
    .addColumn('total_kopecks', 'bigint', (c) => c.notNull().check(sql`total_kopecks > 0`))
    .addColumn('customer_contact', 'text', (c) => c.notNull())
    .addColumn('request', 'jsonb', (c) => c.notNull())
    .addColumn('issued_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('sandbox_fiscal_documents_fd_key', ['register_id', 'fd_number'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sandbox_fiscal_documents').execute();
  await db.schema.dropTable('sandbox_fiscal_registers').execute();
  await db.schema.alterTable('payees').dropColumn('phone').execute();
}
