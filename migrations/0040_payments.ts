import { sql, type Kysely } from 'kysely';

// Online payments: one row per attempt to pay through the acquirer, with its
// status (created → pending → succeeded | failed | expired), the services and
// amounts the resident chose, and, once it succeeded, how the money was allocated
// (period, service, payee). The money itself reaches billing as rows of `payments`
// (one per period and penalty kind), so bill runs and penalties see it the day
// it was paid.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('online_payments')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('resident_id', 'integer', (c) => c.notNull().references('residents.id'))
    .addColumn('payer_account_id', 'integer', (c) => c.notNull().references('payer_accounts.id'))
    // The form's key: a double click, a resubmit or concurrent posts of one form make one row.
    .addColumn('idempotency_key', 'text', (c) => c.notNull().check(sql`idempotency_key ~ '^[A-Za-z0-9_-]{16,64}$'`))
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('created').check(sql`status in ('created', 'pending', 'succeeded', 'failed', 'expired')`),
    )
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('one_off').check(sql`kind in ('one_off', 'recurring')`))
    .addColumn('method', 'text', (c) => c.notNull().check(sql`method in ('card', 'sbp', 'wallet')`))
    .addColumn('amount_kopecks', 'bigint', (c) => c.notNull().check(sql`amount_kopecks > 0`))
    // The part above what is due that the resident confirmed as an advance.
    .addColumn('advance_kopecks', 'bigint', (c) => c.notNull().defaultTo(0).check(sql`advance_kopecks >= 0`))
    .addColumn('for_period', 'date', (c) => c.check(sql`extract(day from for_period) = 1`))
    .addColumn('save_card', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('acquirer', 'text', (c) => c.notNull())
    .addColumn('acquirer_payment_id', 'text')
    .addColumn('confirmation_url', 'text')
    .addColumn('transaction_id', 'text')
    .addColumn('card_last4', 'text', (c) => c.check(sql`card_last4 ~ '^[0-9]{4}$'`))
    .addColumn('recurring_token', 'text')
    .addColumn('failure_reason', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('pending_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    // When the acquirer took the money, and that day in Moscow (penalties stop from it).
    .addColumn('paid_at', 'timestamptz')
    .addColumn('paid_on', 'date')
    .addUniqueConstraint('online_payments_idempotency_key', ['resident_id', 'idempotency_key'])
    .addUniqueConstraint('online_payments_acquirer_id_key', ['acquirer', 'acquirer_payment_id'])
    .addCheckConstraint(
      'online_payments_success_dated',
      sql`status <> 'succeeded' or (paid_on is not null and paid_at is not null and transaction_id is not null)`,
    )
    .execute();
  await db.schema.createIndex('online_payments_account_idx').on('online_payments').columns(['payer_account_id', 'created_at desc', 'id desc']).execute();
  await db.schema.createIndex('online_payments_resident_idx').on('online_payments').columns(['resident_id', 'created_at desc', 'id desc']).execute();
  // The expiry job looks for pending payments older than 30 minutes.
  await db.schema
    .createIndex('online_payments_pending_idx')
    .on('online_payments')
    .columns(['pending_at', 'id'])
    .where(sql.ref('status'), 'in', ['created', 'pending'])
    .execute();

  // «Оплатить всё» has no items; chosen services have one row each with its amount.
  await db.schema
    .createTable('online_payment_items')
    .addColumn('payment_id', 'bigint', (c) => c.notNull().references('online_payments.id').onDelete('cascade'))
    .addColumn('service', 'text', (c) => c.notNull().references('services.code'))
    .addColumn('amount_kopecks', 'bigint', (c) => c.notNull().check(sql`amount_kopecks > 0`))
    .addPrimaryKeyConstraint('online_payment_items_pkey', ['payment_id', 'service'])
    .execute();

  // How a succeeded payment was split: debt of a bill's service (and its payee), the
  // penalty of a bill, or an advance. The rows of one payment add up to its amount.
  await db.schema
    .createTable('payment_allocations')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('payment_id', 'bigint', (c) => c.notNull().references('online_payments.id'))
    .addColumn('payer_account_id', 'integer', (c) => c.notNull().references('payer_accounts.id'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('debt', 'penalty', 'advance')`))
    .addColumn('bill_id', 'integer', (c) => c.references('bills.id'))
    .addColumn('period', 'date', (c) => c.check(sql`extract(day from period) = 1`))
    .addColumn('service', 'text', (c) => c.references('services.code'))
    .addColumn('payee_id', 'integer', (c) => c.notNull().references('payees.id'))
    .addColumn('amount_kopecks', 'bigint', (c) => c.notNull().check(sql`amount_kopecks > 0`))
    // Debt names its bill line; a penalty its bill; an advance nothing but the payee.
    .addCheckConstraint('payment_allocations_debt_has_line', sql`(kind = 'debt') = (service is not null and period is not null)`)
    .addCheckConstraint('payment_allocations_bill', sql`(kind = 'advance') = (bill_id is null)`)
    .execute();
  await db.schema.createIndex('payment_allocations_payment_idx').on('payment_allocations').columns(['payment_id', 'id']).execute();
  // What is left to pay of an account's bill lines.
  await db.schema.createIndex('payment_allocations_account_idx').on('payment_allocations').columns(['payer_account_id', 'period', 'service']).execute();

  // The money billing counts: which online payment it came from and which penalty
  // kind of its period it paid (null: billing's own rule, the oldest debt first).
  await db.schema
    .alterTable('payments')
    .addColumn('online_payment_id', 'bigint', (c) => c.references('online_payments.id'))
    .addColumn('penalty_kind', 'text', (c) => c.check(sql`penalty_kind in ('utilities', 'capital_repair')`))
    .execute();
  await sql`alter table payments add constraint payments_kind_has_period check (penalty_kind is null or for_period is not null)`.execute(db);
  await db.schema.createIndex('payments_online_payment_idx').on('payments').column('online_payment_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists payments_online_payment_idx`.execute(db);
  await sql`alter table payments drop constraint if exists payments_kind_has_period`.execute(db);
  await db.schema.alterTable('payments').dropColumn('online_payment_id').dropColumn('penalty_kind').execute();
  await db.schema.dropTable('payment_allocations').execute();
  await db.schema.dropTable('online_payment_items').execute();
  await db.schema.dropTable('online_payments').execute();
}
