import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Config } from '../../config.js';
import type { Database, IdentityStatus } from '../../db/schema.js';
import { canUpload, type PersonalData } from './rules.js';
import type { DocumentKind, DocumentMime, SubmissionStatus } from './tables.js';
import { keepFiles, type ReceivedFile } from './upload.js';
import { recordAudit } from '../../audit/writer.js';

/** Payments and account links need a confirmed identity (DOMAIN.md: identity levels). */
export function identityConfirmed(resident: { identityStatus: IdentityStatus }): boolean {
  return resident.identityStatus === 'confirmed';
}

/**
 * Where a process receives uploads before they are stored in the database
 * (temporary `.part` files of requests under way), under DATA_DIR.
 */
export function uploadDir(config: Pick<Config, 'dataDir'>): string {
  return path.join(config.dataDir, 'uploads');
}

export type DocumentFile = {
  id: number;
  originalName: string;
  mime: DocumentMime;
  size: number;
  /** The bytes in uploaded_files; null once deleted. */
  fileId: number | null;
  deletedAt: Date | null;
};

export type Submission = {
  id: number;
  kind: DocumentKind;
  status: SubmissionStatus;
  rejectionReason: string | null;
  createdAt: Date;
  decidedAt: Date | null;
  documents: DocumentFile[];
};

const documentColumns = [
  'identity_documents.id',
  'identity_documents.original_name',
  'identity_documents.mime_type',
  'identity_documents.size_bytes',
  'identity_documents.file_id',
  'identity_documents.deleted_at',
] as const;

function toDocument(row: {
  id: number;
  original_name: string;
  mime_type: DocumentMime;
  size_bytes: number;
  file_id: number | null;
  deleted_at: Date | null;
}): DocumentFile {
  return {
    id: row.id,
    originalName: row.original_name,
    mime: row.mime_type,
    size: row.size_bytes,
    fileId: row.file_id,
    deletedAt: row.deleted_at,
  };
}

export async function documentsOf(db: Kysely<Database>, submissionId: number): Promise<DocumentFile[]> {
  const rows = await db
    .selectFrom('identity_documents')
    .select(documentColumns)
    .where('submission_id', '=', submissionId)
    .orderBy('id')
    .execute();
  return rows.map(toDocument);
}

/** The resident's latest submission with its files, for the «Подтверждение личности» page. */
export async function latestSubmission(db: Kysely<Database>, residentId: number): Promise<Submission | null> {
  const row = await db
    .selectFrom('identity_submissions')
    .select(['id', 'document_kind', 'status', 'rejection_reason', 'created_at', 'decided_at'])
    .where('resident_id', '=', residentId)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return null;
  return {
    id: row.id,
    kind: row.document_kind,
    status: row.status,
    rejectionReason: row.rejection_reason,
    createdAt: row.created_at,
    decidedAt: row.decided_at,
    documents: await documentsOf(db, row.id),
  };
}

/**
 * A document, scoped to its owner (a resident) or to the submission a moderator
 * is reviewing: an id outside the scope is simply not found.
 */
export async function findDocument(
  db: Kysely<Database>,
  documentId: number,
  scope: { residentId: number } | { submissionId: number },
): Promise<DocumentFile | null> {
  const query = db
    .selectFrom('identity_documents')
    .innerJoin('identity_submissions', 'identity_submissions.id', 'identity_documents.submission_id')
    .select(documentColumns)
    .where('identity_documents.id', '=', documentId);
  const row = await ('residentId' in scope
    ? query.where('identity_submissions.resident_id', '=', scope.residentId)
    : query.where('identity_documents.submission_id', '=', scope.submissionId)
  ).executeTakeFirst();
  return row ? toDocument(row) : null;
}

export type NewSubmission = {
  residentId: number;
  kind: DocumentKind;
  personal: PersonalData;
  consentText: string;
  now: Date;
  files: ReceivedFile[];
};

/**
 * Records a submission and stores its files in one transaction (keepFiles):
 * nothing is left half-done.
 */
export async function submitDocuments(db: Kysely<Database>, input: NewSubmission): Promise<'submitted' | 'not-allowed'> {
  return keepFiles(db, input.files, async (trx, stored) => {
    const resident = await trx
      .selectFrom('residents')
      .select('identity_status')
      .where('id', '=', input.residentId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (!canUpload(resident.identity_status)) throw new NotAllowed();
    const submission = await trx
      .insertInto('identity_submissions')
      .values({
        resident_id: input.residentId,
        document_kind: input.kind,
        last_name: input.personal.lastName,
        first_name: input.personal.firstName,
        middle_name: input.personal.middleName === '' ? null : input.personal.middleName,
        birth_date: input.personal.birthDate,
        consent_text: input.consentText,
        consented_at: input.now,
        created_at: input.now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('identity_documents')
      .values(
        stored.map((file) => ({
          submission_id: submission.id,
          file_id: file.fileId,
          original_name: file.originalName,
          mime_type: file.mime,
          size_bytes: file.size,
          sha256: file.sha256,
          created_at: input.now,
        })),
      )
      .execute();
    await trx.updateTable('residents').set({ identity_status: 'pending' }).where('id', '=', input.residentId).execute();
    return 'submitted' as const;
  }).catch((error: unknown) => {
    if (error instanceof NotAllowed) return 'not-allowed' as const;
    throw error;
  });
}

/** The resident may no longer upload (decided meanwhile): nothing is kept. */
class NotAllowed extends Error {}

const RETENTION_BATCH = 200;

/**
 * 152-ФЗ: scans are kept only while needed. Deletes the bytes of submissions
 * decided more than `retentionDays` ago, keeps the rows (with deleted_at), and
 * logs each deletion, each in one transaction. Safe to run twice: a row already
 * marked is skipped.
 */
export async function deleteExpiredDocuments(
  db: Kysely<Database>,
  options: { now: Date; retentionDays: number },
): Promise<number> {
  const cutoff = new Date(options.now.getTime() - options.retentionDays * 24 * 3600_000);
  let deleted = 0;
  for (;;) {
    const due = await db
      .selectFrom('identity_documents')
      .innerJoin('identity_submissions', 'identity_submissions.id', 'identity_documents.submission_id')
      .select(['identity_documents.id', 'identity_documents.file_id', 'identity_documents.submission_id', 'identity_submissions.decided_at'])
      .where('identity_submissions.decided_at', '<=', cutoff)
      .where('identity_documents.deleted_at', 'is', null)
      .orderBy('identity_documents.id')
      .limit(RETENTION_BATCH)
      .execute();
    for (const document of due) {
      await db.transaction().execute(async (trx) => {
        const marked = await trx
          .updateTable('identity_documents')
          .set({ deleted_at: options.now })
          .where('id', '=', document.id)
          .where('deleted_at', 'is', null)
          .returning('id')
          .executeTakeFirst();
        if (!marked) return;
        if (document.file_id !== null) await trx.deleteFrom('uploaded_files').where('id', '=', document.file_id).execute();
        deleted += 1;
        await recordAudit(trx, {
          staffId: null,
          action: 'identity.document.deleted',
          subjectType: 'identity_document',
          subjectId: document.id,
          details: { submissionId: document.submission_id, decidedAt: document.decided_at, retentionDays: options.retentionDays },
        });
      });
    }
    if (due.length < RETENTION_BATCH) return deleted;
  }
}
