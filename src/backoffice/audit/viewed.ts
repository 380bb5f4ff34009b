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
