import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import type { Db } from '../db/index.js';
import type { Clock } from '../lib/calendar.js';
import type { Transports } from '../messaging/transports.js';

export type JobContext = {
  db: Db;
  config: Config;
  clock: Clock;
  transports: Transports;
  log: FastifyBaseLogger;
  /** The outbox row that carried this job; absent for scheduled jobs. */
  outboxId?: number;
};

/**
 * A job is a thin wrapper around a service function. Handlers must be safe to
 * run twice: a job may be retried after it did part of its work.
 */
export type JobDefinition<P = any> = {
  name: string;
  handle(payload: P, ctx: JobContext): Promise<void>;
  /** For a recurring job: how often it runs, in milliseconds. */
  every?: number;
};
