import { sql, type Kysely } from 'kysely';

// The lookups the «Автоплатёж» pages and the daily job make:
// - the resident's saved cards (succeeded payments that brought a recurring token), newest first;
// - the charges the acquirer left pending, which each daily run asks about.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('online_payments_saved_cards_idx')
    .on('online_payments')
    .columns(['resident_id', 'id desc'])
    .where(sql<boolean>`recurring_token is not null and status = 'succeeded'`)
    .execute();
  await db.schema
    .createIndex('autopayment_charges_charging_idx')
    .on('autopayment_charges')
    .column('id')
    .where(sql.ref('status'), '=', 'charging')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('autopayment_charges_charging_idx').execute();
  await db.schema.dropIndex('online_payments_saved_cards_idx').execute();
}
