import type { JobDefinition } from '../../jobs/types.js';
import { deleteExpiredAttachments } from './attachment-retention.js';
import { deleteExpiredDocuments, uploadDir } from './service.js';
import { removePartialUploads } from './upload.js';

/** Hourly: removes identity scans and request attachments whose retention period after the decision has passed. */
export const identityRetentionJob: JobDefinition<Record<string, never>> = {
  name: 'identity-retention',
  every: 3600_000,
  async handle(_payload, ctx) {
    const deleted = await deleteExpiredDocuments(ctx.db, {
      now: ctx.clock.now(),
      retentionDays: ctx.config.identityRetentionDays,
    });
    if (deleted > 0) ctx.log.info({ deleted }, 'identity documents deleted after the retention period');
    const attachments = await deleteExpiredAttachments(ctx.db, { now: ctx.clock.now(), retentionDays: ctx.config.attachmentRetentionDays });
    if (Object.values(attachments).some((n) => n > 0)) ctx.log.info({ attachments }, 'request attachments deleted after the retention period');
    const partial = await removePartialUploads(uploadDir(ctx.config));
    if (partial > 0) ctx.log.info({ partial }, 'partial uploads left by a crash deleted');
  },
};
