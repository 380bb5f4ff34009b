import type { Generated } from 'kysely';
import type { CalendarDate, Defaulted, NullableTimestamp, Timestamp } from '../../db/columns.js';


export type DocumentKind = 'passport' | 'driving_licence' | 'other';
export type SubmissionStatus = 'pending' | 'approved' | 'rejected';
export type DocumentMime = 'image/jpeg' | 'image/png' | 'application/pdf';

export type IdentitySubmissionTable = {
  id: Generated<number>;
  resident_id: number;
  document_kind: DocumentKind;
  consent_text: string;
  consented_at: Timestamp;
  status: Defaulted<SubmissionStatus>;
  rejection_reason: string | null;
  decided_by: number | null;
  decided_at: NullableTimestamp;
  created_at: Timestamp;
  /** As typed by the resident; checked against the scan by the moderator. */
  last_name: string | null;
  first_name: string | null;
  middle_name: string | null;
  birth_date: CalendarDate | null;
};

export type IdentityDocumentTable = {
  id: Generated<number>;
  submission_id: number;
  /** The scan's bytes; null once the retention job has deleted them. */
  file_id: number | null;
  /** The resident's file name, cleaned, for display only. */
  original_name: string;
  /** Decided from the file's bytes. */
  mime_type: DocumentMime;
  size_bytes: number;
  sha256: string;
  created_at: Timestamp;
  deleted_at: NullableTimestamp;
};

/**
 * The bytes of every uploaded file (identity scans, dwelling documents, verification
 * certificates, request photos), kept in the database so that any web process can
 * serve them; the owning row says what the file is.
 */
export type UploadedFileTable = {
  id: Generated<number>;
  bytes: Buffer;
  created_at: Generated<Date>;
};

export type IdentityTables = {
  identity_submissions: IdentitySubmissionTable;
  identity_documents: IdentityDocumentTable;
  uploaded_files: UploadedFileTable;
};
