import { sql, type Kysely } from 'kysely';

// Utility accounts: residents' links to payer accounts (approved by a moderator),
// dwelling-data changes, meters with their readings and replacements, and
// co-owner grants.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('account_links')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('resident_id', 'integer', (c) => c.notNull().references('residents.id'))
    // What the resident typed (normalised); the moderator compares it with the registry.
    .addColumn('requested_payer_code', 'text', (c) => c.notNull().check(sql`requested_payer_code ~ '^[0-9]{10}$'`))
    .addColumn('requested_provider_id', 'integer', (c) => c.notNull().references('providers.id'))
    .addColumn('requested_flat', 'text', (c) => c.notNull())
    .addColumn('consented_at', 'timestamptz', (c) => c.notNull())
    // Set when approved: the registry entry the link opens.
    .addColumn('payer_account_id', 'integer', (c) => c.references('payer_accounts.id'))
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('pending').check(sql`status in ('pending', 'approved', 'rejected')`),
    )
    .addColumn('reason', 'text')
    .addColumn('decided_by', 'integer', (c) => c.references('staff.id'))
    .addColumn('decided_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('account_links_approved_has_account', sql`status <> 'approved' or payer_account_id is not null`)
    .execute();
  // A resident has at most one open or approved link per payer code.
  await db.schema
    .createIndex('account_links_open_key')
    .on('account_links')
    .columns(['resident_id', 'requested_payer_code'])
    .unique()
    .where(sql.ref('status'), 'in', sql`('pending', 'approved')`)
    .execute();
  await db.schema.createIndex('account_links_resident_idx').on('account_links').columns(['resident_id', 'created_at desc']).execute();
  await db.schema.createIndex('account_links_queue_idx').on('account_links').columns(['status', 'created_at']).execute();
  await db.schema
    .createIndex('account_links_account_idx')
    .on('account_links')
    .columns(['payer_account_id', 'resident_id'])
    .where('payer_account_id', 'is not', null)
    .execute();

  // Area and residents count as submitted by the owner; each applies from a billing period on.
  await db.schema
    .createTable('dwelling_changes')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('payer_account_id', 'integer', (c) => c.notNull().references('payer_accounts.id'))
    .addColumn('area', sql`numeric(8,2)`, (c) => c.notNull().check(sql`area > 0`))
    .addColumn('residents_count', 'integer', (c) => c.notNull().check(sql`residents_count >= 0`))
    .addColumn('effective_from', 'date', (c) => c.notNull().check(sql`extract(day from effective_from) = 1`))
    .addColumn('submitted_by', 'integer', (c) => c.notNull().references('residents.id'))
    .addColumn('submitted_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('dwelling_changes_account_idx')
    .on('dwelling_changes')
    .columns(['payer_account_id', 'effective_from desc', 'id desc'])
    .execute();

  await db.schema
    .createTable('meters')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('payer_account_id', 'integer', (c) => c.notNull().references('payer_accounts.id'))
    .addColumn('resource', 'text', (c) =>
      c.notNull().check(sql`resource in ('cold_water', 'hot_water', 'electricity', 'gas', 'heat')`),
    )
    .addColumn('serial_number', 'text', (c) => c.notNull())
    .addColumn('zones', 'integer', (c) => c.notNull().defaultTo(1).check(sql`zones between 1 and 3`))
    .addColumn('next_verification_date', 'date', (c) => c.notNull())
    .addColumn('installed_on', 'date', (c) => c.notNull())
    // The reading the meter was installed with, per zone (its first consumption counts from it).
    .addColumn('initial_t1', sql`numeric(14,3)`, (c) => c.notNull().check(sql`initial_t1 >= 0`))
    .addColumn('initial_t2', sql`numeric(14,3)`, (c) => c.check(sql`initial_t2 >= 0`))
    .addColumn('initial_t3', sql`numeric(14,3)`, (c) => c.check(sql`initial_t3 >= 0`))
    .addColumn('replaced_on', 'date')
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addCheckConstraint('meters_zones_electricity', sql`zones = 1 or resource = 'electricity'`)
    .addCheckConstraint('meters_initial_per_zone', sql`(initial_t2 is not null) = (zones >= 2) and (initial_t3 is not null) = (zones = 3)`)
    .execute();
  await db.schema.createIndex('meters_account_idx').on('meters').columns(['payer_account_id', 'active', 'resource']).execute();

  // One reading per meter and period: a later submission in the window replaces the earlier one.
  await db.schema
    .createTable('meter_readings')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('meter_id', 'integer', (c) => c.notNull().references('meters.id'))
    .addColumn('period', 'date', (c) => c.notNull().check(sql`extract(day from period) = 1`))
    .addColumn('value_t1', sql`numeric(14,3)`, (c) => c.notNull().check(sql`value_t1 >= 0`))
    .addColumn('value_t2', sql`numeric(14,3)`, (c) => c.check(sql`value_t2 >= 0`))
    .addColumn('value_t3', sql`numeric(14,3)`, (c) => c.check(sql`value_t3 >= 0`))
    .addColumn('submitted_by', 'integer', (c) => c.references('residents.id'))
    .addColumn('submitted_at', 'timestamptz', (c) => c.notNull())
    .addColumn('replaced_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addUniqueConstraint('meter_readings_meter_period_key', ['meter_id', 'period'])
    .execute();

  await db.schema
    .createTable('meter_replacements')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('old_meter_id', 'integer', (c) => c.notNull().unique().references('meters.id'))
    .addColumn('new_meter_id', 'integer', (c) => c.notNull().unique().references('meters.id'))
    .addColumn('replaced_on', 'date', (c) => c.notNull())
    .addColumn('staff_id', 'integer', (c) => c.notNull().references('staff.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('co_owner_grants')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('payer_account_id', 'integer', (c) => c.notNull().references('payer_accounts.id'))
    .addColumn('invited_by', 'integer', (c) => c.notNull().references('residents.id'))
    .addColumn('invited_email', 'text', (c) => c.notNull())
    .addColumn('rights', 'text', (c) => c.notNull().check(sql`rights in ('view', 'view_pay')`))
    .addColumn('invited_at', 'timestamptz', (c) => c.notNull())
    .addColumn('accepted_by', 'integer', (c) => c.references('residents.id'))
    .addColumn('accepted_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('co_owner_grants_account_idx').on('co_owner_grants').columns(['payer_account_id', 'invited_at desc']).execute();
  await db.schema
    .createIndex('co_owner_grants_grantee_idx')
    .on('co_owner_grants')
    .columns(['accepted_by', 'payer_account_id'])
    .where(sql<boolean>`accepted_by is not null and revoked_at is null`)
    .execute();

  // Staff find accounts by a part of the address; a trigram index makes that an index
  // lookup. PGlite without the extension loaded keeps working with a scan.
  await sql`
    do $$
    begin
      create extension if not exists pg_trgm;
      execute 'create index buildings_address_trgm_idx on buildings using gin (lower(address) gin_trgm_ops)';
    exception when others then
      raise notice 'pg_trgm is not available: address search scans buildings';
    end $$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists buildings_address_trgm_idx`.execute(db);
  for (const table of ['co_owner_grants', 'meter_replacements', 'meter_readings', 'meters', 'dwelling_changes', 'account_links']) {
    await db.schema.dropTable(table).execute();
  }
}
