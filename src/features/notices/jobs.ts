import type { JobDefinition } from '../../jobs/types.js';
import { NOTICE_EMAIL_BATCH_JOB, NOTICE_FANOUT_JOB, fanOutNoticeVersion, sendNoticeEmailBatch, type EmailBatch } from './service.js';

/** Lists the residents one notice change must reach and splits them into batches. */
export const noticeFanoutJob: JobDefinition<{ versionId: number }> = {
  name: NOTICE_FANOUT_JOB,
  async handle(payload, ctx) {
    await fanOutNoticeVersion(ctx.db, payload.versionId, ctx.clock.now());
  },
};

/** Sends one batch of a notice change's emails. */
export const noticeEmailBatchJob: JobDefinition<EmailBatch> = {
  name: NOTICE_EMAIL_BATCH_JOB,
  async handle(payload, ctx) {
    await sendNoticeEmailBatch(payload, ctx);
  },
};
