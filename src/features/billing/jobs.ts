import type { JobDefinition } from '../../jobs/types.js';
import { BILL_RUN_JOB, billLastMonthIfDue, executeBillRun } from './bill-runs.js';

/** A queued bill run (from the back office, the CLI or the schedule). */
export const billRunJob: JobDefinition<{ runId: number }> = {
  name: BILL_RUN_JOB,
  async handle(payload, ctx) {
    const run = await executeBillRun(ctx.db, payload.runId, ctx.clock.now());
    if (run?.status === 'failed') throw new Error(`bill run ${run.id} failed: ${run.error}`);
  },
};

// Daily rather than on one day of the month: a missed day (Redis down, a deploy)
// is caught up the next day, and the check is idempotent.
export const monthlyBillingJob: JobDefinition<Record<string, never>> = {
  name: 'billing.monthly',
  every: 24 * 3600_000,
  async handle(_payload, ctx) {
    const runId = await billLastMonthIfDue(ctx.db, ctx.clock.today());
    if (runId !== null) ctx.log.info({ runId }, 'monthly bill run queued');
  },
};
