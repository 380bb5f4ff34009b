import type { JobDefinition } from '../../jobs/types.js';
import { markOverdueRequests } from './service.js';

/** Every minute: open requests that crossed their deadline are marked overdue (the shortest norm is 30 minutes). */
export const overdueRequestsJob: JobDefinition = {
  name: 'service-requests-overdue',
  every: 60_000,
  async handle(_payload, ctx) {
    await markOverdueRequests(ctx.db, ctx.clock.now());
  },
};
