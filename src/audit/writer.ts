import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { AuditAction } from './actions.js';

export type AuditEntry = {
  /** Null for events with no signed-in staff member (e.g. a failed sign-in). */
  staffId: number | null;
  action: AuditAction;
  subjectType?: string;
  subjectId?: string | number;
  details?: Record<string, unknown>;
  ip?: string;
};

/**
 * Appends to the audit log. Pass the transaction that makes the decision, so the
 * decision and its record commit together. The table refuses UPDATE and DELETE.
 */
export async function recordAudit(db: Kysely<Database>, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      staff_id: entry.staffId,
      action: entry.action,
      subject_type: entry.subjectType ?? null,
      subject_id: entry.subjectId === undefined ? null : String(entry.subjectId),
      details: JSON.stringify(entry.details ?? {}),
      ip: entry.ip ?? null,
    })
    .execute();
}

