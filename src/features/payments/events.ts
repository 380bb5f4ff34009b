import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { enqueueJob } from '../../jobs/outbox.js';

/**
 * Enqueued in the transaction that marks a payment succeeded, payload
 * `{ paymentId }` (online_payments.id). The receipt feature handles it: the fiscal
 * receipt and the email. A handler must be safe to run twice.
 */
export const PAYMENT_SUCCEEDED_JOB = 'payment.succeeded';
export type PaymentSucceededPayload = { paymentId: number };

/** Announces a success to the job that handles it (receipts/jobs.ts). */
export async function announcePaymentSucceeded(trx: Transaction<Database>, paymentId: number): Promise<void> {
  const payload: PaymentSucceededPayload = { paymentId };
  await enqueueJob(trx, PAYMENT_SUCCEEDED_JOB, payload);
}
