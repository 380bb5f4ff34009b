import type { JobDefinition } from '../../jobs/types.js';
import { fiscalRegisterFor } from '../fiscal-register/index.js';
import { PAYMENT_SUCCEEDED_JOB, type PaymentSucceededPayload } from '../payments/events.js';
import { issueReceipt } from './service.js';

/** After a payment succeeded: the fiscal receipt from the register, stored and emailed once. */
export const paymentSucceededJob: JobDefinition<PaymentSucceededPayload> = {
  name: PAYMENT_SUCCEEDED_JOB,
  async handle(payload, ctx) {
    const outcome = await issueReceipt(ctx.db, fiscalRegisterFor(ctx), payload.paymentId, ctx.config.publicUrl);
    ctx.log.info({ paymentId: payload.paymentId, outcome }, 'payment receipt');
  },
};
