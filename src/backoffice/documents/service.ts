import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { DOCUMENT_KINDS } from '../../features/identity/rules.js';
import { documentsOf, type DocumentFile } from '../../features/identity/service.js';
import type { DocumentKind, SubmissionStatus } from '../../features/identity/tables.js';
import { sendEmailLater } from '../../messaging/service.js';
import { recordAudit } from '../../audit/writer.js';
import { identityConfirmedEmail, identityRejectedEmail } from './messages.js';

// «Проверка документов»: the moderators' queue of identity submissions and their decisions.

export const QUEUE_PAGE_SIZE = 25;

export type QueueItem = {
  id: number;
  residentEmail: string;
  residentPhone: string;
  kind: DocumentKind;
  documentCount: number;
  createdAt: Date;
};

/** How many submissions wait for a moderator (the back-office home). */
export async function countDocumentsAwaitingReview(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('identity_submissions')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('status', '=', 'pending')
    .executeTakeFirstOrThrow();
  return row.n;
}

/** Waiting submissions, oldest first (the queue index), one page at a time. */
export async function pendingQueue(db: Kysely<Database>, page: number): Promise<{ items: QueueItem[]; total: number }> {
  const [rows, total] = await Promise.all([
    db
      .selectFrom('identity_submissions as s')
      .innerJoin('residents as r', 'r.id', 's.resident_id')
      .select((eb) => [
        's.id',
        's.document_kind',
        's.created_at',
        'r.email',
        'r.phone',
        eb.selectFrom('identity_documents as d').whereRef('d.submission_id', '=', 's.id').select(sql<number>`count(*)::int`.as('n')).as('document_count'),
      ])
      .where('s.status', '=', 'pending')
      .orderBy('s.created_at')
      .orderBy('s.id')
      .limit(QUEUE_PAGE_SIZE)
      .offset((page - 1) * QUEUE_PAGE_SIZE)
      .execute(),
    countDocumentsAwaitingReview(db),
  ]);
  return {
    items: rows.map((row) => ({
      id: row.id,
      residentEmail: row.email,
      residentPhone: row.phone,
      kind: row.document_kind,
      documentCount: row.document_count ?? 0,
      createdAt: row.created_at,
    })),
    total,
  };
}

export type Review = {
  id: number;
  kind: DocumentKind;
  status: SubmissionStatus;
  consentText: string;
  consentedAt: Date;
  createdAt: Date;
  rejectionReason: string | null;
  decidedAt: Date | null;
  decidedBy: string | null;
  resident: {
    id: number;
    email: string;
    phone: string;
    emailConfirmedAt: Date | null;
    registeredAt: Date;
    /** Earlier submissions of the same resident, for context. */
    earlierRejections: number;
  };
  /** What the resident typed as in the document; null on submissions made before it was asked. */
  personal: { fullName: string; birthDate: string } | null;
  documents: DocumentFile[];
};

export async function reviewOf(db: Kysely<Database>, submissionId: number): Promise<Review | null> {
  const row = await db
    .selectFrom('identity_submissions as s')
    .innerJoin('residents as r', 'r.id', 's.resident_id')
    .leftJoin('staff as st', 'st.id', 's.decided_by')
    .select((eb) => [
      's.id',
      's.document_kind',
      's.status',
      's.consent_text',
      's.consented_at',
      's.created_at',
      's.rejection_reason',
      's.decided_at',
      's.last_name',
      's.first_name',
      's.middle_name',
      's.birth_date',
      'st.full_name as decided_by_name',
      'r.id as resident_id',
      'r.email',
      'r.phone',
      'r.email_confirmed_at',
      'r.created_at as registered_at',
      eb
        .selectFrom('identity_submissions as e')
        .whereRef('e.resident_id', '=', 's.resident_id')
        .whereRef('e.id', '<', 's.id')
        .where('e.status', '=', 'rejected')
        .select(sql<number>`count(*)::int`.as('n'))
        .as('earlier_rejections'),
    ])
    .where('s.id', '=', submissionId)
    .executeTakeFirst();
  if (!row) return null;
  return {
    id: row.id,
    kind: row.document_kind,
    status: row.status,
    consentText: row.consent_text,
    consentedAt: row.consented_at,
    createdAt: row.created_at,
    rejectionReason: row.rejection_reason,
    decidedAt: row.decided_at,
    decidedBy: row.decided_by_name,
    resident: {
      id: row.resident_id,
      email: row.email,
      phone: row.phone,
      emailConfirmedAt: row.email_confirmed_at,
      registeredAt: row.registered_at,
      earlierRejections: row.earlier_rejections ?? 0,
    },
    personal:
      row.last_name && row.first_name && row.birth_date
        ? { fullName: [row.last_name, row.first_name, row.middle_name].filter(Boolean).join(' '), birthDate: row.birth_date }
        : null,
    documents: await documentsOf(db, row.id),
  };
}

export type Decision = { kind: 'approval' } | { kind: 'rejection'; reason: string };

export type DecisionInput = {
  submissionId: number;
  staffId: number;
  decision: Decision;
  now: Date;
  ip: string;
  publicUrl: string;
};

export type DecisionOutcome = 'decided' | 'not-found' | 'already-decided';

/** Approval needs the moderator's tick that the typed name and date of birth match the scan. */
export function approvalError(review: Pick<Review, 'personal'>, matchesTicked: boolean): string | null {
  return review.personal && !matchesTicked ? 'Отметьте, что данные совпадают с документом, или отклоните заявку' : null;
}

/**
 * Approves or rejects a waiting submission. The status check and the update are
 * one statement, so when two moderators decide at once the first one wins and
 * the second learns that the decision was already taken. The resident's level,
 * the audit record and the email commit together with the decision.
 */
export async function decide(trx: Transaction<Database>, input: DecisionInput): Promise<DecisionOutcome> {
  const approved = input.decision.kind === 'approval';
  const reason = input.decision.kind === 'rejection' ? input.decision.reason : null;
  const updated = await trx
    .updateTable('identity_submissions')
    .set({ status: approved ? 'approved' : 'rejected', rejection_reason: reason, decided_by: input.staffId, decided_at: input.now })
    .where('id', '=', input.submissionId)
    .where('status', '=', 'pending')
    .returning(['resident_id', 'document_kind', 'last_name', 'first_name', 'middle_name', 'birth_date'])
    .executeTakeFirst();
  if (!updated) {
    const exists = await trx.selectFrom('identity_submissions').select('id').where('id', '=', input.submissionId).executeTakeFirst();
    return exists ? 'already-decided' : 'not-found';
  }
  // Only a resident still waiting for this check changes: one who has meanwhile confirmed
  // their identity through Госуслуги keeps it (and their confirmed name), whatever the
  // moderator decides about documents sent before.
  const resident = await trx
    .updateTable('residents')
    // The confirmed name is the one the moderator checked against the scan.
    .set(
      approved && updated.last_name
        ? { identity_status: 'confirmed', last_name: updated.last_name, first_name: updated.first_name, middle_name: updated.middle_name, birth_date: updated.birth_date, identity_source: 'documents' }
        : { identity_status: approved ? 'confirmed' : 'rejected' },
    )
    .where('id', '=', updated.resident_id)
    .where('identity_status', '=', 'pending')
    .returning('email')
    .executeTakeFirst();
  await recordAudit(trx, {
    staffId: input.staffId,
    action: approved ? 'identity.submission.approved' : 'identity.submission.rejected',
    subjectType: 'identity_submission',
    subjectId: input.submissionId,
    details: { residentId: updated.resident_id, ...(reason ? { reason } : {}), ...(resident ? {} : { residentUnchanged: true }) },
    ip: input.ip,
  });
  // Nothing changed for the resident, so there is nothing to tell them.
  if (!resident) return 'decided';
  const link = `${input.publicUrl}/identity`;
  const kind = DOCUMENT_KINDS[updated.document_kind];
  const content = approved ? identityConfirmedEmail({ documentKind: kind, link }) : identityRejectedEmail({ documentKind: kind, reason: reason ?? '', link });
  await sendEmailLater(trx, { to: resident.email, ...content });
  return 'decided';
}
