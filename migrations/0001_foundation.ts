import { sql, type Kysely } from 'kysely';

// The foundation: sessions, the job outbox, sent messages, the two kinds of
// identity (residents and staff), the append-only audit log, and the housing
// registry with bills that the demo data fills.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sessions')
    .addColumn('sid', 'text', (c) => c.primaryKey())
    .addColumn('area', 'text', (c) => c.notNull().check(sql`area in ('resident', 'staff')`))
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('resident_id', 'integer')
    .addColumn('staff_id', 'integer')
    .addColumn('user_agent', 'text')
    .addColumn('ip', 'text')
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('sessions_resident_idx').on('sessions').column('resident_id').where('resident_id', 'is not', null).execute();
  await db.schema.createIndex('sessions_staff_idx').on('sessions').column('staff_id').where('staff_id', 'is not', null).execute();
  await db.schema.createIndex('sessions_expires_idx').on('sessions').column('expires_at').execute();

  await db.schema
    .createTable('outbox')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('job', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('pending').check(sql`status in ('pending', 'dispatched', 'done', 'failed')`),
    )
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('available_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('dispatched_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('outbox_pending_idx').on('outbox').column('available_at').where(sql.ref('status'), '=', 'pending').execute();

  await db.schema
    .createTable('sent_messages')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('outbox_id', 'bigint', (c) => c.unique().references('outbox.id'))
    .addColumn('channel', 'text', (c) => c.notNull().check(sql`channel in ('email', 'sms')`))
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('subject', 'text')
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('html', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('sending').check(sql`status in ('sending', 'sent')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('sent_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('sent_messages_recent_idx').on('sent_messages').column('id desc').execute();
  await db.schema.createIndex('sent_messages_recipient_idx').on('sent_messages').columns(['recipient', 'id desc']).execute();

  await db.schema
    .createTable('residents')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('phone', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('email_confirmed_at', 'timestamptz')
    .addColumn('identity_status', 'text', (c) =>
      c.notNull().defaultTo('none').check(sql`identity_status in ('none', 'pending', 'confirmed', 'rejected')`),
    )
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('residents_email_key').on('residents').expression(sql`lower(email)`).unique().execute();

  await db.schema
    .createTable('staff')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('full_name', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('roles', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('staff_email_key').on('staff').expression(sql`lower(email)`).unique().execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('staff_id', 'integer', (c) => c.references('staff.id'))
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('subject_type', 'text')
    .addColumn('subject_id', 'text')
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('ip', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('audit_log_created_idx').on('audit_log').column('created_at desc').execute();
  await db.schema.createIndex('audit_log_staff_idx').on('audit_log').columns(['staff_id', 'created_at desc']).execute();
  await sql`
    create function audit_log_is_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_log is append-only: % is not allowed', tg_op;
    end $$`.execute(db);
  await sql`
    create trigger audit_log_append_only before update or delete on audit_log
    for each statement execute function audit_log_is_append_only()`.execute(db);
  await sql`
    create trigger audit_log_no_truncate before truncate on audit_log
    for each statement execute function audit_log_is_append_only()`.execute(db);

  // Links sent by email (confirmation, reset, invitations): only a SHA-256 of the
  // random token is kept; single use.
  await db.schema
    .createTable('tokens')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'integer', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('data', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('tokens_subject_idx').on('tokens').columns(['purpose', 'subject_id']).execute();

  // Short one-time codes (6 digits) sent by email or SMS: kept as an HMAC, tried a limited number of times.
  await db.schema
    .createTable('one_time_codes')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'integer', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull().check(sql`channel in ('email', 'sms')`))
    .addColumn('destination', 'text', (c) => c.notNull())
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('one_time_codes_subject_idx').on('one_time_codes').columns(['purpose', 'subject_id', 'created_at desc']).execute();

  await db.schema
    .createTable('providers')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('inn', 'text', (c) => c.notNull().check(sql`inn ~ '^[0-9]{10}$|^[0-9]{12}$'`))
    .execute();

  await db.schema
    .createTable('buildings')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('unom', 'integer', (c) => c.notNull().unique())
    .addColumn('address', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('premises')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('building_id', 'integer', (c) => c.notNull().references('buildings.id'))
    .addColumn('flat_number', 'text', (c) => c.notNull())
    .addColumn('area', sql`numeric(8,2)`, (c) => c.notNull().check(sql`area > 0`))
    .addColumn('residents_count', 'integer', (c) => c.notNull().check(sql`residents_count >= 0`))
    .addUniqueConstraint('premises_building_flat_key', ['building_id', 'flat_number'])
    .execute();

  await db.schema
    .createTable('payer_accounts')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('payer_code', 'text', (c) => c.notNull().unique().check(sql`payer_code ~ '^[0-9]{10}$'`))
    .addColumn('provider_id', 'integer', (c) => c.notNull().references('providers.id'))
    .addColumn('premises_id', 'integer', (c) => c.notNull().references('premises.id'))
    .execute();
  await db.schema.createIndex('payer_accounts_premises_idx').on('payer_accounts').column('premises_id').execute();

  // Tariffs are dated data, never code: a price applies from valid_from until the next one.
  await db.schema
    .createTable('tariffs')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('unit', 'text', (c) => c.notNull())
    .addColumn('price_kopecks', 'bigint', (c) => c.notNull().check(sql`price_kopecks >= 0`))
    .addColumn('valid_from', 'date', (c) => c.notNull())
    .addUniqueConstraint('tariffs_service_from_key', ['service', 'valid_from'])
    .execute();

  await db.schema
    .createTable('bills')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('payer_account_id', 'integer', (c) => c.notNull().references('payer_accounts.id'))
    .addColumn('period', 'date', (c) => c.notNull().check(sql`extract(day from period) = 1`))
    .addColumn('due_date', 'date', (c) => c.notNull())
    .addColumn('balance_forward_kopecks', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('charged_kopecks', 'bigint', (c) => c.notNull())
    .addColumn('paid_kopecks', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('penalty_kopecks', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('amount_due_kopecks', 'bigint', (c) => c.notNull())
    .addColumn('issued_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('bills_account_period_key', ['payer_account_id', 'period'])
    .execute();

  await db.schema
    .createTable('bill_lines')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('bill_id', 'integer', (c) => c.notNull().references('bills.id').onDelete('cascade'))
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('quantity', sql`numeric(14,3)`, (c) => c.notNull())
    .addColumn('unit', 'text', (c) => c.notNull())
    .addColumn('tariff_kopecks', 'bigint', (c) => c.notNull())
    .addColumn('charged_kopecks', 'bigint', (c) => c.notNull())
    .addColumn('recalculation_kopecks', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('recalculation_reason', 'text')
    .addColumn('benefit_kopecks', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('total_kopecks', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('bill_lines_bill_idx').on('bill_lines').column('bill_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'bill_lines', 'bills', 'tariffs', 'payer_accounts', 'premises', 'buildings', 'providers',
    'one_time_codes', 'tokens', 'audit_log', 'staff', 'residents', 'sent_messages', 'outbox', 'sessions',
  ]) {
    await db.schema.dropTable(table).execute();
  }
  await sql`drop function audit_log_is_append_only()`.execute(db);
}
