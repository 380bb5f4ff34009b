import { sql, type Kysely } from 'kysely';

// Outage and repair notices: what dispatchers publish, for which buildings, each
// change as a numbered version, the emails each version owes each resident (one
// row per version and resident, so a retried job never records a second send),
// residents who switched these emails off, and the excess interruption hours a
// closed notice leaves for the next bill.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('notices')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('planned', 'emergency', 'repair')`))
    .addColumn('resource', 'text', (c) =>
      c.notNull().check(sql`resource in ('hot_water', 'cold_water', 'electricity', 'gas', 'heating')`),
    )
    .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
    // Only an emergency may be open-ended.
    .addColumn('ends_at', 'timestamptz')
    .addColumn('supplier', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('long_outage_confirmed', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('published').check(sql`status in ('published', 'closed', 'withdrawn')`))
    .addColumn('actual_end_at', 'timestamptz')
    .addColumn('withdrawal_reason', 'text')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_by', 'integer', (c) => c.notNull().references('staff.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addCheckConstraint('notices_end_after_start', sql`ends_at is null or ends_at > starts_at`)
    .addCheckConstraint('notices_open_end_is_emergency', sql`ends_at is not null or kind = 'emergency'`)
    .addCheckConstraint('notices_closed_has_end', sql`(status = 'closed') = (actual_end_at is not null)`)
    .addCheckConstraint('notices_withdrawn_has_reason', sql`(status = 'withdrawn') = (withdrawal_reason is not null)`)
    .execute();
  // The dispatcher's home and the public pages look for what is on now or later.
  await db.schema.createIndex('notices_status_starts_idx').on('notices').columns(['status', 'starts_at', 'id']).execute();

  await db.schema
    .createTable('notice_buildings')
    .addColumn('notice_id', 'integer', (c) => c.notNull().references('notices.id').onDelete('cascade'))
    .addColumn('building_id', 'integer', (c) => c.notNull().references('buildings.id'))
    .addPrimaryKeyConstraint('notice_buildings_pkey', ['notice_id', 'building_id'])
    .execute();
  await db.schema.createIndex('notice_buildings_building_idx').on('notice_buildings').columns(['building_id', 'notice_id']).execute();

  await db.schema
    .createTable('notice_versions')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('notice_id', 'integer', (c) => c.notNull().references('notices.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('change', 'text', (c) => c.notNull().check(sql`change in ('published', 'updated', 'extended', 'closed', 'withdrawn')`))
    .addColumn('staff_id', 'integer', (c) => c.notNull().references('staff.id'))
    // The email of this version, as it read when the change was made.
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('html', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    // Set by the job that lists the version's recipients, so a rerun lists nobody twice.
    .addColumn('fanned_out_at', 'timestamptz')
    .addUniqueConstraint('notice_versions_notice_version_key', ['notice_id', 'version'])
    .execute();

  await db.schema
    .createTable('notice_deliveries')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('notice_version_id', 'integer', (c) => c.notNull().references('notice_versions.id').onDelete('cascade'))
    .addColumn('resident_id', 'integer', (c) => c.notNull().references('residents.id'))
    .addColumn('sent_message_id', 'bigint', (c) => c.unique().references('sent_messages.id'))
    .addColumn('sent_at', 'timestamptz')
    .addUniqueConstraint('notice_deliveries_version_resident_key', ['notice_version_id', 'resident_id'])
    .execute();
  // Batches pick the unsent rows of a version in resident order.
  await db.schema
    .createIndex('notice_deliveries_unsent_idx')
    .on('notice_deliveries')
    .columns(['notice_version_id', 'resident_id'])
    .where(sql<boolean>`sent_at is null`)
    .execute();

  await db.schema
    .createTable('notice_email_opt_outs')
    .addColumn('resident_id', 'integer', (c) => c.primaryKey().references('residents.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();

  // Excess hours per building, service and month; each payer account of the building
  // gets them on its bill (0.15 % of the month's charge for the service per hour).
  await db.schema
    .createTable('outage_excess_hours')
    .addColumn('notice_id', 'integer', (c) => c.notNull().references('notices.id'))
    .addColumn('building_id', 'integer', (c) => c.notNull().references('buildings.id'))
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('period', 'date', (c) => c.notNull().check(sql`extract(day from period) = 1`))
    .addColumn('excess_hours', sql`numeric(8,2)`, (c) => c.notNull().check(sql`excess_hours > 0`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('outage_excess_hours_pkey', ['notice_id', 'building_id', 'service', 'period'])
    .execute();
  await db.schema.createIndex('outage_excess_hours_period_idx').on('outage_excess_hours').columns(['period', 'building_id', 'service']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['outage_excess_hours', 'notice_email_opt_outs', 'notice_deliveries', 'notice_versions', 'notice_buildings', 'notices']) {
    await db.schema.dropTable(table).execute();
  }
}
