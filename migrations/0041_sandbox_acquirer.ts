import { sql, type Kysely } from 'kysely';

// The sandbox acquirer's own state, kept apart from the cabinet's tables as a real
// acquirer's would be: its payments (only the last four digits of a card), the
// recurring tokens it issued and the notifications it still owes the merchant.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sandbox_acquirer_payments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // The merchant's order id: creating a payment twice for one order returns the first.
    .addColumn('order_id', 'text', (c) => c.notNull().unique())
    .addColumn('amount_kopecks', 'bigint', (c) => c.notNull().check(sql`amount_kopecks > 0`))
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull().check(sql`method in ('card', 'sbp', 'wallet')`))
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('pending').check(sql`status in ('pending', 'three_ds', 'succeeded', 'failed')`),
    )
    .addColumn('transaction_id', 'text', (c) => c.unique())
    .addColumn('card_last4', 'text', (c) => c.check(sql`card_last4 ~ '^[0-9]{4}$'`))
    .addColumn('failure_reason', 'text')
    .addColumn('save_card', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('recurring_token', 'text', (c) => c.unique())
    .addColumn('return_url', 'text', (c) => c.notNull())
    .addColumn('notify_url', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('decided_at', 'timestamptz')
    .execute();
  await db.schema
    .createTable('sandbox_acquirer_tokens')
    .addColumn('token', 'text', (c) => c.primaryKey())
    .addColumn('card_last4', 'text', (c) => c.notNull().check(sql`card_last4 ~ '^[0-9]{4}$'`))
    .addColumn('first_payment_id', 'text', (c) => c.notNull().references('sandbox_acquirer_payments.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sandbox_acquirer_tokens').execute();
  await db.schema.dropTable('sandbox_acquirer_payments').execute();
}
