import { sql, type Kysely } from 'kysely';

// What follows a succeeded payment and what pays by itself:
// - payment_receipts: the fiscal receipt the online register issued for a payment,
//   one per payment (written once by the payment.succeeded job, with the email);
// - autopayments: «Автоплатёж» of an account (one per account): the day of the month,
//   the upper limit, and the card payment whose recurring token it charges;
// - autopayment_charges: one row per account and month, whatever happens (charged,
//   over the limit, nothing due, failed after its retries): the unique key is what
//   makes a charge happen once per period;
// - autopayment_reminders: the notice a day before, once per account and month.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('payment_receipts')
    .addColumn('payment_id', 'bigint', (c) => c.primaryKey().references('online_payments.id'))
    .addColumn('registration_number', 'text', (c) => c.notNull())
    .addColumn('fn_number', 'text', (c) => c.notNull())
    .addColumn('fd_number', 'integer', (c) => c.notNull())
    .addColumn('fiscal_sign', 'text', (c) => c.notNull())
    .addColumn('shift_number', 'integer', (c) => c.notNull())
    .addColumn('number_in_shift', 'integer', (c) => c.notNull())
    .addColumn('issued_at', 'timestamptz', (c) => c.notNull())
    .addColumn('company_name', 'text', (c) => c.notNull())
    .addColumn('company_inn', 'text', (c) => c.notNull())
    .addColumn('tax_system', 'text', (c) => c.notNull())
    .addColumn('settlement_place', 'text', (c) => c.notNull())
    .addColumn('ofd_name', 'text', (c) => c.notNull())
    .addColumn('tax_service_site', 'text', (c) => c.notNull())
    .addColumn('total_kopecks', 'bigint', (c) => c.notNull())
    .addColumn('customer_contact', 'text', (c) => c.notNull())
    .addColumn('qr', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('autopayments')
    .addColumn('payer_account_id', 'integer', (c) => c.primaryKey().references('payer_accounts.id'))
    // Who set it up: the card (token) is theirs, and they are told about each charge.
    .addColumn('resident_id', 'integer', (c) => c.notNull().references('residents.id'))
    .addColumn('charge_day', 'integer', (c) => c.notNull().check(sql`charge_day between 1 and 28`))
    .addColumn('max_kopecks', 'bigint', (c) => c.notNull().check(sql`max_kopecks > 0`))
    // The first card payment that issued the recurring token; the token stays in that row.
    .addColumn('token_payment_id', 'bigint', (c) => c.notNull().references('online_payments.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('cancelled_at', 'timestamptz')
    .execute();
  // The daily job finds the active auto-payments of a day of the month.
  await db.schema
    .createIndex('autopayments_day_idx')
    .on('autopayments')
    .columns(['charge_day', 'payer_account_id'])
    .where(sql.ref('cancelled_at'), 'is', null)
    .execute();

  await db.schema
    .createTable('autopayment_charges')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('payer_account_id', 'integer', (c) => c.notNull().references('payer_accounts.id'))
    .addColumn('period', 'date', (c) => c.notNull().check(sql`extract(day from period) = 1`))
    .addColumn('resident_id', 'integer', (c) => c.notNull().references('residents.id'))
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('due').check(sql`status in ('due', 'charging', 'retry', 'succeeded', 'failed', 'over_limit', 'nothing_due', 'cancelled')`),
    )
    .addColumn('bill_id', 'integer', (c) => c.references('bills.id'))
    .addColumn('amount_kopecks', 'bigint')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('payment_id', 'bigint', (c) => c.references('online_payments.id'))
    .addColumn('next_attempt_on', 'date')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('finished_at', 'timestamptz')
    .addUniqueConstraint('autopayment_charges_once_per_period', ['payer_account_id', 'period'])
    .execute();
  // The daily job picks up the charges waiting for a retry.
  await db.schema
    .createIndex('autopayment_charges_retry_idx')
    .on('autopayment_charges')
    .columns(['next_attempt_on', 'id'])
    .where(sql.ref('status'), '=', 'retry')
    .execute();

  await db.schema
    .createTable('autopayment_reminders')
    .addColumn('payer_account_id', 'integer', (c) => c.notNull().references('payer_accounts.id'))
    .addColumn('period', 'date', (c) => c.notNull())
    .addColumn('sent_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('autopayment_reminders_pkey', ['payer_account_id', 'period'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('autopayment_reminders').execute();
  await db.schema.dropTable('autopayment_charges').execute();
  await db.schema.dropTable('autopayments').execute();
  await db.schema.dropTable('payment_receipts').execute();
}
