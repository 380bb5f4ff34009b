import type { FastifyRequest } from 'fastify';
import type { AuditAction } from '../../audit/actions.js';
import type { Db } from '../../db/index.js';
import { recordAudit } from '../../audit/writer.js';
import { signedInStaff } from '../../plugins/auth.js';

/**
 * A staff member opened a page that shows residents' personal data (a queue, a
 * request, an account, the audit log itself): who saw what and when goes to the
 * audit log, as 152-ФЗ expects of access to personal data.
 */
export async function recordStaffView(
  db: Db,
  request: FastifyRequest,
  view: { action: AuditAction; subjectType?: string; subjectId?: string | number; details?: Record<string, unknown> },
): Promise<void> {
  await recordAudit(db, { staffId: signedInStaff(request).id, ip: request.ip, ...view });
}

/**
 * A list page's read and the record of its view, side by side: the record does not depend on
 * what the list shows, and waiting for the read, then for the record's commit, cost the
 * moderator queue a sixth of its views a second in the district bench. A read that fails still leaves its record: the
 * attempt to see the data was made.
 */
export async function readRecordingView<T>(
  db: Db,
  request: FastifyRequest,
  view: { action: AuditAction; details?: Record<string, unknown> },
  read: Promise<T>,
): Promise<T> {
  const [result] = await Promise.all([read, recordStaffView(db, request, view)]);
  return result;
}
