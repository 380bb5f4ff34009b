import { randomBytes } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { enqueueJob } from '../../jobs/outbox.js';
import type { AcquirerPaymentState, ChargeRecurringRequest, CreatePaymentRequest } from '../payments/acquirer.js';
import type { SandboxPaymentTable } from './tables.js';

// The sandbox acquirer's side: its own payments, decisions and tokens. It knows the
// cabinet only through the URLs the cabinet gave it.

export type SandboxPayment = Selectable<SandboxPaymentTable>;

export const NOTIFY_JOB = 'sandbox-acquirer.notify';
/** A hosted page stays open this long; the cabinet gives up a little later. */
export const PAGE_LIFETIME_MS = 25 * 60_000;

const newId = (prefix: string) => `${prefix}_${randomBytes(18).toString('base64url')}`;

/** Creates the payment for an order, or returns the one already created for it. */
export async function createSandboxPayment(db: Kysely<Database>, request: CreatePaymentRequest): Promise<SandboxPayment> {
  const inserted = await db
    .insertInto('sandbox_acquirer_payments')
    .values({
      id: newId('pay'),
      order_id: request.orderId,
      amount_kopecks: request.amountKopecks,
      description: request.description,
      method: request.method,
      save_card: request.saveCard && request.method === 'card',
      return_url: request.returnUrl,
      notify_url: request.notifyUrl,
    })
    .onConflict((oc) => oc.column('order_id').doNothing())
    .returningAll()
    .executeTakeFirst();
  return inserted ?? (await db.selectFrom('sandbox_acquirer_payments').selectAll().where('order_id', '=', request.orderId).executeTakeFirstOrThrow());
}

export async function sandboxPayment(db: Kysely<Database>, id: string): Promise<SandboxPayment | null> {
  return (await db.selectFrom('sandbox_acquirer_payments').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export function pageExpired(payment: SandboxPayment, now: Date): boolean {
  return now.getTime() - payment.created_at.getTime() > PAGE_LIFETIME_MS;
}

/** The payment as the API and the notifications tell it. */
export function stateOf(payment: SandboxPayment): AcquirerPaymentState {
  return {
    acquirerPaymentId: payment.id,
    orderId: payment.order_id,
    status: payment.status === 'succeeded' ? 'succeeded' : payment.status === 'failed' ? 'failed' : 'pending',
    amountKopecks: Number(payment.amount_kopecks),
    transactionId: payment.transaction_id,
    cardLast4: payment.card_last4,
    recurringToken: payment.recurring_token,
    failureReason: payment.failure_reason,
    decidedAt: payment.decided_at ? payment.decided_at.toISOString() : null,
  };
}

export type Decision = { outcome: 'succeeded' } | { outcome: 'failed'; reason: string } | { outcome: 'three_ds' };

/**
 * Records the decision on an undecided payment and, for a final one, the
 * notification owed to the merchant (in the same transaction). A second decision
 * on a decided payment changes nothing: false.
 */
export async function decide(db: Kysely<Database>, id: string, decision: Decision, card: { last4: string } | null, now: Date): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const payment = await trx.selectFrom('sandbox_acquirer_payments').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!payment || (payment.status !== 'pending' && payment.status !== 'three_ds')) return false;
    const last4 = card?.last4 ?? payment.card_last4;
    if (decision.outcome === 'three_ds') {
      await trx.updateTable('sandbox_acquirer_payments').set({ status: 'three_ds', card_last4: last4 }).where('id', '=', id).execute();
      return true;
    }
    const succeeded = decision.outcome === 'succeeded';
    const token = succeeded && payment.save_card && last4 ? await issueToken(trx, payment.id, last4) : null;
    await trx
      .updateTable('sandbox_acquirer_payments')
      .set({
        status: decision.outcome,
        card_last4: last4,
        transaction_id: succeeded ? newId('txn') : null,
        failure_reason: decision.outcome === 'failed' ? decision.reason : null,
        recurring_token: token,
        decided_at: now,
      })
      .where('id', '=', id)
      .execute();
    await enqueueJob(trx, NOTIFY_JOB, { paymentId: id });
    return true;
  });
}

async function issueToken(trx: Transaction<Database>, paymentId: string, last4: string): Promise<string> {
  const token = newId('tok');
  // The payment row refers to the token after this; the token to the payment that made it.
  await trx.insertInto('sandbox_acquirer_tokens').values({ token, card_last4: last4, first_payment_id: paymentId }).execute();
  return token;
}

/**
 * A charge with a saved token, decided at once (approved for a token the sandbox
 * issued, declined otherwise), notified like any other. Idempotent on the order id.
 */
export async function chargeWithToken(db: Kysely<Database>, request: ChargeRecurringRequest, now: Date): Promise<SandboxPayment> {
  const token = await db.selectFrom('sandbox_acquirer_tokens').selectAll().where('token', '=', request.token).executeTakeFirst();
  const payment = await createSandboxPayment(db, {
    orderId: request.orderId,
    amountKopecks: request.amountKopecks,
    description: request.description,
    method: 'card',
    returnUrl: request.notifyUrl,
    notifyUrl: request.notifyUrl,
    saveCard: false,
  });
  await decide(db, payment.id, token ? { outcome: 'succeeded' } : { outcome: 'failed', reason: 'unknown_token' }, token ? { last4: token.card_last4 } : null, now);
  return (await sandboxPayment(db, payment.id))!;
}
