import type { Generated } from 'kysely';
import type { CalendarDate, Defaulted, NullableTimestamp, Timestamp } from '../../db/columns.js';
import type { DocumentMime } from '../identity/tables.js';
import type { Resource } from '../readings/tables.js';

export type MeterRequestKind = 'new' | 'verified';
/** `withdrawn`: by the resident while it waited. */
export type MeterRequestStatus = 'pending' | 'approved' | 'rejected' | 'withdrawn';

/** A resident's request to register a new meter or a passed verification, with the certificate. */
export type MeterRequestTable = {
  id: Generated<number>;
  payer_account_id: number;
  kind: MeterRequestKind;
  resource: Resource;
  /** The working meter a verification is for; null for a new meter. */
  meter_id: number | null;
  zones: number;
  serial_number: string;
  /** Commissioning date of a new meter, the verification date of a verified one. */
  dated_on: CalendarDate;
  next_verification_date: CalendarDate;
  initial_t1: number | null;
  initial_t2: number | null;
  initial_t3: number | null;
  /** The uploaded file's bytes (uploaded_files). */
  file_id: number | null;
  original_name: string;
  mime_type: DocumentMime;
  size_bytes: number;
  sha256: string;
  submitted_by: number;
  submitted_at: Timestamp;
  status: Defaulted<MeterRequestStatus>;
  decided_by: number | null;
  decided_at: NullableTimestamp;
  reason: string | null;
  /** The meter created (new) or verified (verified) by the approval. */
  result_meter_id: number | null;
};

export type MeterRequestsTables = { meter_requests: MeterRequestTable };
