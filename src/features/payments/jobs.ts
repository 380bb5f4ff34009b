import type { JobDefinition } from '../../jobs/types.js';
import { AcquirerUnavailable } from './acquirer.js';
import { HttpAcquirer } from './http-acquirer.js';
import { applyAcquirerState, expirePayment, stalePayments } from './service.js';

const BATCH = 100;

/**
 * Payments pending for more than 30 minutes: the acquirer is asked one last time
 * (a success we missed is booked, never lost), and what is still undecided expires.
 * An acquirer that cannot be reached leaves the payment pending for the next run.
 */
export async function expireStalePayments(ctx: Parameters<JobDefinition['handle']>[1]): Promise<{ expired: number; settled: number }> {
  const config = ctx.config.acquirer;
  const acquirer = config ? new HttpAcquirer(config) : null;
  let expired = 0;
  let settled = 0;
  for (const payment of await stalePayments(ctx.db, ctx.clock.now(), BATCH)) {
    if (payment.acquirer_payment_id && acquirer) {
      try {
        const state = await acquirer.queryStatus(payment.acquirer_payment_id);
        if (state.status !== 'pending') {
          await applyAcquirerState(ctx.db, payment.acquirer, state, ctx.clock.now());
          settled += 1;
          continue;
        }
      } catch (error) {
        if (!(error instanceof AcquirerUnavailable)) throw error;
        ctx.log.warn({ err: error, paymentId: payment.id }, 'final status query failed; trying again next run');
        continue;
      }
    }
    if (await expirePayment(ctx.db, payment.id, ctx.clock.now())) expired += 1;
  }
  return { expired, settled };
}

export const expirePaymentsJob: JobDefinition<Record<string, never>> = {
  name: 'payments.expire',
  every: 60_000,
  async handle(_payload, ctx) {
    const result = await expireStalePayments(ctx);
    if (result.expired + result.settled > 0) ctx.log.info(result, 'stale payments settled');
  },
};
