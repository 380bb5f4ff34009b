import { type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { OnlinePaymentTable, PaymentKind, PaymentMethod } from './tables.js';

export type OnlinePayment = Selectable<OnlinePaymentTable>;

export type NewPayment = {
  residentId: number;
  accountId: number;
  idempotencyKey: string;
  method: PaymentMethod;
  amountKopecks: number;
  advanceKopecks: number;
  forPeriod: string | null;
  saveCard: boolean;
  acquirer: string;
  kind?: PaymentKind;
  /** Chosen services and their amounts; empty for «Оплатить всё». */
  items: { service: string; amountKopecks: number }[];
};

/**
 * Records a payment in status 'created', once per (resident, idempotency key): the
 * unique constraint decides between concurrent posts of one form, and every one of
 * them gets the same row back. `created` is false for the posts that lost.
 */
export async function createPayment(trx: Transaction<Database>, input: NewPayment): Promise<{ payment: OnlinePayment; created: boolean }> {
  const inserted = await trx
    .insertInto('online_payments')
    .values({
      resident_id: input.residentId,
      payer_account_id: input.accountId,
      idempotency_key: input.idempotencyKey,
      method: input.method,
      kind: input.kind ?? 'one_off',
      amount_kopecks: input.amountKopecks,
      advance_kopecks: input.advanceKopecks,
      for_period: input.forPeriod,
      save_card: input.saveCard,
      acquirer: input.acquirer,
    })
    .onConflict((oc) => oc.constraint('online_payments_idempotency_key').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) {
    if (input.items.length > 0) {
      await trx
        .insertInto('online_payment_items')
        .values(input.items.map((item) => ({ payment_id: inserted.id, service: item.service, amount_kopecks: item.amountKopecks })))
        .execute();
    }
    return { payment: inserted, created: true };
  }
  // The winner's transaction may still be open: this read waits for it through the lock below.
  const existing = await trx
    .selectFrom('online_payments')
    .selectAll()
    .where('resident_id', '=', input.residentId)
    .where('idempotency_key', '=', input.idempotencyKey)
    .executeTakeFirstOrThrow();
  return { payment: existing, created: false };
}

/** A payment of the resident's, or null: every resident-facing lookup goes through this. */
export async function paymentOf(db: Kysely<Database>, residentId: number, paymentId: number): Promise<OnlinePayment | null> {
  return (
    (await db
      .selectFrom('online_payments')
      .selectAll()
      .where('id', '=', paymentId)
      .where('resident_id', '=', residentId)
      .executeTakeFirst()) ?? null
  );
}

