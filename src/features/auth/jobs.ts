import type { JobDefinition } from '../../jobs/types.js';
import { cleanUpAuthRecords } from './service.js';

export const authCleanupJob: JobDefinition<Record<string, never>> = {
  name: 'auth-cleanup',
  every: 3600_000,
  handle: (_payload, ctx) => cleanUpAuthRecords(ctx.db, ctx.clock.now()),
};
