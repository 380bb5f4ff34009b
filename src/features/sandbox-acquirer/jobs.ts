import type { JobDefinition } from '../../jobs/types.js';
import { signBody } from '../../security/signatures.js';
import { SIGNATURE_HEADER } from '../payments/http-acquirer.js';
import { NOTIFY_JOB, sandboxPayment, stateOf } from './service.js';

/**
 * Tells the merchant about a decision: the payment's current state, signed with
 * HMAC-SHA256 of the body. Anything but a 2xx answer fails the job, which the
 * workers retry with backoff; the current state is sent each time, so a retry
 * never carries stale news.
 */
export const sandboxNotifyJob: JobDefinition<{ paymentId: string }> = {
  name: NOTIFY_JOB,
  async handle(payload, ctx) {
    const secret = ctx.config.acquirer?.secret;
    if (!secret) return;
    const payment = await sandboxPayment(ctx.db, payload.paymentId);
    if (!payment) return;
    const body = JSON.stringify({ event: 'payment.updated', ...stateOf(payment) });
    const response = await fetch(payment.notify_url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(secret, body) },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`the merchant answered ${response.status} to a notification`);
  },
};
