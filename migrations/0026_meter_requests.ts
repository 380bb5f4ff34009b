import { sql, type Kysely } from 'kysely';

// A resident's request to register a meter: a new one (a resource the account has
// no working meter of) or a passed verification of a working one, with the
// verification certificate, stored like identity scans. Moderators decide; an
// approved request points at the meter it created or verified.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('meter_requests')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('payer_account_id', 'integer', (c) => c.notNull().references('payer_accounts.id'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('new', 'verified')`))
    .addColumn('resource', 'text', (c) => c.notNull().check(sql`resource in ('cold_water', 'hot_water', 'electricity', 'gas', 'heat')`))
    .addColumn('meter_id', 'integer', (c) => c.references('meters.id'))
    .addColumn('zones', 'integer', (c) => c.notNull().check(sql`zones between 1 and 3`))
    .addColumn('serial_number', 'text', (c) => c.notNull())
    // Commissioning date of a new meter, the verification date of a verified one.
    .addColumn('dated_on', 'date', (c) => c.notNull())
    .addColumn('next_verification_date', 'date', (c) => c.notNull())
    .addColumn('initial_t1', sql`numeric(14,3)`)
    .addColumn('initial_t2', sql`numeric(14,3)`)
    .addColumn('initial_t3', sql`numeric(14,3)`)
    .addColumn('stored_name', 'text', (c) => c.notNull().unique())
    .addColumn('original_name', 'text', (c) => c.notNull())
    .addColumn('mime_type', 'text', (c) => c.notNull().check(sql`mime_type in ('image/jpeg', 'image/png', 'application/pdf')`))
    .addColumn('size_bytes', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('submitted_by', 'integer', (c) => c.notNull().references('residents.id'))
    .addColumn('submitted_at', 'timestamptz', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending').check(sql`status in ('pending', 'approved', 'rejected')`))
    .addColumn('decided_by', 'integer', (c) => c.references('staff.id'))
    .addColumn('decided_at', 'timestamptz')
    .addColumn('reason', 'text')
    .addColumn('result_meter_id', 'integer', (c) => c.references('meters.id'))
    .addCheckConstraint('meter_requests_verified_meter', sql`kind = 'new' or meter_id is not null`)
    .execute();
  // The moderators' queue (oldest waiting first) and the resident's list per account.
  await db.schema.createIndex('meter_requests_pending_idx').on('meter_requests').columns(['status', 'submitted_at']).execute();
  // One waiting request per resource of an account: a second one would only collide on approval.
  await db.schema.createIndex('meter_requests_one_pending_key').unique().on('meter_requests').columns(['payer_account_id', 'resource']).where(sql.ref('status'), '=', 'pending').execute();
  await db.schema.createIndex('meter_requests_account_idx').on('meter_requests').columns(['payer_account_id', 'submitted_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('meter_requests').execute();
}
