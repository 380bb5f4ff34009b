import { eraseOldMessagesJob, sendMessageJob } from '../messaging/service.js';
import type { JobDefinition } from './types.js';
import { authCleanupJob } from '../features/auth/jobs.js';
import { identityRetentionJob } from '../features/identity/jobs.js';
import { noticeEmailBatchJob, noticeFanoutJob } from '../features/notices/jobs.js';
import { billRunJob, monthlyBillingJob } from '../features/billing/jobs.js';
import { overdueRequestsJob } from '../features/requests/jobs.js';
import { expirePaymentsJob } from '../features/payments/jobs.js';
import { sandboxNotifyJob } from '../features/sandbox-acquirer/jobs.js';
import { paymentSucceededJob } from '../features/receipts/jobs.js';
import { autopaymentDailyJob } from '../features/autopayment/jobs.js';

/** Every job the workers know. A feature adds its jobs.ts exports here. */
export const jobDefinitions: JobDefinition[] = [
  sendMessageJob,
  eraseOldMessagesJob,
  authCleanupJob,
  identityRetentionJob,
  noticeFanoutJob,
  noticeEmailBatchJob,
  billRunJob,
  monthlyBillingJob,
  overdueRequestsJob,
  expirePaymentsJob,
  sandboxNotifyJob,
  paymentSucceededJob,
  autopaymentDailyJob,
];
