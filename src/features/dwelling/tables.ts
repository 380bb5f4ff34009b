import type { Generated } from 'kysely';
import type { CalendarDate, Defaulted, NullableTimestamp, Timestamp } from '../../db/columns.js';
import type { DocumentMime } from '../identity/tables.js';

export type DwellingRequestStatus = 'pending' | 'approved' | 'rejected';

export type DwellingChangeTable = {
  id: Generated<number>;
  payer_account_id: number;
  area: number;
  residents_count: number;
  effective_from: CalendarDate;
  submitted_by: number;
  submitted_at: Timestamp;
  /** A resident's change is a request until staff decide; only approved ones apply. */
  status: Defaulted<DwellingRequestStatus>;
  comment: string | null;
  decided_by: number | null;
  decided_at: NullableTimestamp;
  reason: string | null;
};

/** The document a resident attached to a request; stored like identity scans. */
export type DwellingDocumentTable = {
  id: Generated<number>;
  dwelling_change_id: number;
  /** The uploaded file's bytes (uploaded_files). */
  file_id: number | null;
  original_name: string;
  mime_type: DocumentMime;
  size_bytes: number;
  sha256: string;
  created_at: Timestamp;
};

export type DwellingTables = { dwelling_changes: DwellingChangeTable; dwelling_documents: DwellingDocumentTable };
