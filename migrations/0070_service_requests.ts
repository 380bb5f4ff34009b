import { sql, type Kysely } from 'kysely';

// Requests to the managing organisation (заявки): what residents report, the
// regulated deadline of each kind as data, every change as an event, and photos.
export async function up(db: Kysely<any>): Promise<void> {
  // Deadlines per kind (decree 416, п. 13, and the rest as README states), counted
  // from registration. A changed norm is an UPDATE here, not a release.
  await db.schema
    .createTable('service_request_kinds')
    .addColumn('kind', 'text', (c) => c.primaryKey())
    .addColumn('deadline_minutes', 'integer', (c) => c.notNull().check(sql`deadline_minutes > 0`))
    // Emergencies may also be reported to the resident by SMS.
    .addColumn('emergency', 'boolean', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .execute();
  await db
    .insertInto('service_request_kinds')
    .values([
      { kind: 'emergency', deadline_minutes: 30, emergency: true, position: 1 },
      { kind: 'leak', deadline_minutes: 30, emergency: true, position: 2 },
      { kind: 'no_hot_water', deadline_minutes: 4 * 60, emergency: false, position: 3 },
      { kind: 'clog', deadline_minutes: 2 * 60, emergency: false, position: 4 },
      { kind: 'lift', deadline_minutes: 24 * 60, emergency: false, position: 5 },
      { kind: 'lighting', deadline_minutes: 7 * 24 * 60, emergency: false, position: 6 },
      { kind: 'other', deadline_minutes: 3 * 24 * 60, emergency: false, position: 7 },
    ])
    .execute();

  await db.schema
    .createTable('service_requests')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('payer_account_id', 'integer', (c) => c.notNull().references('payer_accounts.id'))
    // The account's building, kept on the request for the dispatcher's filter.
    .addColumn('building_id', 'integer', (c) => c.notNull().references('buildings.id'))
    .addColumn('resident_id', 'integer', (c) => c.notNull().references('residents.id'))
    .addColumn('kind', 'text', (c) => c.notNull().references('service_request_kinds.kind'))
    .addColumn('place', 'text', (c) => c.notNull().check(sql`place in ('flat', 'common')`))
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('contact_phone', 'text', (c) => c.notNull())
    .addColumn('sms_updates', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('registered').check(sql`status in ('registered', 'in_progress', 'done', 'rejected', 'withdrawn')`),
    )
    .addColumn('registered_at', 'timestamptz', (c) => c.notNull())
    .addColumn('deadline_at', 'timestamptz', (c) => c.notNull())
    // Set once by the overdue job when an open request crosses its deadline.
    .addColumn('overdue_at', 'timestamptz')
    .addColumn('crew', 'text')
    .addColumn('assignee_id', 'integer', (c) => c.references('staff.id'))
    .addColumn('notice_id', 'integer', (c) => c.references('notices.id'))
    .addColumn('closed_at', 'timestamptz')
    .addColumn('rating', 'smallint', (c) => c.check(sql`rating between 1 and 5`))
    .addColumn('rated_at', 'timestamptz')
    .addCheckConstraint('service_requests_closed_check', sql`(status in ('registered', 'in_progress')) = (closed_at is null)`)
    .addCheckConstraint('service_requests_rated_when_done', sql`rating is null or status = 'done'`)
    .execute();
  // The resident's list: requests of their accounts, newest first.
  await db.schema.createIndex('service_requests_account_idx').on('service_requests').columns(['payer_account_id', 'id desc']).execute();
  // The dispatcher's queue: by status, then deadline.
  await db.schema.createIndex('service_requests_queue_idx').on('service_requests').columns(['status', 'deadline_at', 'id']).execute();
  await db.schema.createIndex('service_requests_building_idx').on('service_requests').columns(['building_id', 'deadline_at']).execute();
  await db.schema
    .createIndex('service_requests_notice_idx')
    .on('service_requests')
    .column('notice_id')
    .where('notice_id', 'is not', null)
    .execute();
  // The overdue job: open requests not yet marked, by deadline.
  await db.schema
    .createIndex('service_requests_overdue_idx')
    .on('service_requests')
    .column('deadline_at')
    .where(sql<boolean>`status in ('registered', 'in_progress') and overdue_at is null`)
    .execute();

  await db.schema
    .createTable('service_request_events')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('request_id', 'integer', (c) => c.notNull().references('service_requests.id'))
    .addColumn('kind', 'text', (c) =>
      c.notNull().check(sql`kind in ('registered', 'comment', 'photo', 'taken', 'crew', 'status', 'withdrawn', 'rated', 'notice', 'overdue')`),
    )
    // Who made the change: a resident, a staff member, or neither (the overdue job).
    .addColumn('resident_id', 'integer', (c) => c.references('residents.id'))
    .addColumn('staff_id', 'integer', (c) => c.references('staff.id'))
    .addColumn('status', 'text')
    .addColumn('text', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addCheckConstraint('service_request_events_actor_check', sql`resident_id is null or staff_id is null`)
    .execute();
  await db.schema.createIndex('service_request_events_request_idx').on('service_request_events').columns(['request_id', 'id']).execute();

  await db.schema
    .createTable('service_request_photos')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('request_id', 'integer', (c) => c.notNull().references('service_requests.id'))
    .addColumn('event_id', 'integer', (c) => c.notNull().references('service_request_events.id'))
    .addColumn('stored_name', 'text', (c) => c.notNull().unique())
    .addColumn('original_name', 'text', (c) => c.notNull())
    .addColumn('mime_type', 'text', (c) => c.notNull().check(sql`mime_type in ('image/jpeg', 'image/png')`))
    .addColumn('size_bytes', 'integer', (c) => c.notNull().check(sql`size_bytes > 0`))
    .addColumn('sha256', 'text', (c) => c.notNull().check(sql`sha256 ~ '^[0-9a-f]{64}$'`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('service_request_photos_request_idx').on('service_request_photos').columns(['request_id', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('service_request_photos').execute();
  await db.schema.dropTable('service_request_events').execute();
  await db.schema.dropTable('service_requests').execute();
  await db.schema.dropTable('service_request_kinds').execute();
}
