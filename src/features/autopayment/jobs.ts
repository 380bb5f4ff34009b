import type { JobDefinition } from '../../jobs/types.js';
import { acquirerFor } from '../payments/routes.js';
import { runAutopaymentDay } from './service.js';

// Daily: reminders for tomorrow's charges, today's charges and due retries. Running
// twice a day (a redeploy, a catch-up) changes nothing: each step is keyed per month.
export const autopaymentDailyJob: JobDefinition<Record<string, never>> = {
  name: 'autopayment.daily',
  every: 24 * 3600_000,
  async handle(_payload, ctx) {
    const acquirer = acquirerFor(ctx.config);
    if (!acquirer) return;
    const tally = await runAutopaymentDay({
      db: ctx.db,
      acquirer,
      now: ctx.clock.now(),
      today: ctx.clock.today(),
      notifyUrl: `${ctx.config.publicUrl}/payments/notifications`,
    });
    ctx.log.info({ tally }, 'auto-payment day');
  },
};
