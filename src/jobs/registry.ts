import { sendMessageJob } from '../messaging/service.js';
import type { JobDefinition } from './types.js';

/** Every job the workers know. A feature adds its jobs.ts exports here. */
export const jobDefinitions: JobDefinition[] = [sendMessageJob];
