import type { Generated } from 'kysely';
import type { Defaulted, NullableTimestamp, Timestamp } from '../../db/columns.js';

// Requests to the managing organisation: kinds with their deadlines, the requests,
// every change as an event, and the photos residents and dispatchers attach.

export type RequestKind = 'emergency' | 'leak' | 'no_hot_water' | 'clog' | 'lift' | 'lighting' | 'other';
export type RequestPlace = 'flat' | 'common';
export type RequestStatus = 'registered' | 'in_progress' | 'done' | 'rejected' | 'withdrawn';
export type RequestEventKind = 'registered' | 'comment' | 'photo' | 'taken' | 'crew' | 'status' | 'withdrawn' | 'rated' | 'notice' | 'overdue';
export type PhotoMime = 'image/jpeg' | 'image/png';

export type ServiceRequestKindTable = {
  kind: RequestKind;
  deadline_minutes: number;
  emergency: boolean;
  position: number;
};

export type ServiceRequestTable = {
  id: Generated<number>;
  payer_account_id: number;
  building_id: number;
  resident_id: number;
  kind: RequestKind;
  place: RequestPlace;
  description: string;
  contact_phone: string;
  sms_updates: Defaulted<boolean>;
  status: Defaulted<RequestStatus>;
  registered_at: Timestamp;
  deadline_at: Timestamp;
  overdue_at: NullableTimestamp;
  crew: string | null;
  assignee_id: number | null;
  notice_id: number | null;
  closed_at: NullableTimestamp;
  rating: number | null;
  rated_at: NullableTimestamp;
};

export type ServiceRequestEventTable = {
  id: Generated<number>;
  request_id: number;
  kind: RequestEventKind;
  resident_id: number | null;
  staff_id: number | null;
  status: RequestStatus | null;
  text: string | null;
  created_at: Timestamp;
};

export type ServiceRequestPhotoTable = {
  id: Generated<number>;
  request_id: number;
  event_id: number;
  /** The uploaded file's bytes (uploaded_files). */
  file_id: number | null;
  original_name: string;
  /** Decided from the bytes. */
  mime_type: PhotoMime;
  size_bytes: number;
  /** Of the stored file, after its metadata was stripped. */
  sha256: string;
  created_at: Timestamp;
};

export type RequestsTables = {
  service_request_kinds: ServiceRequestKindTable;
  service_requests: ServiceRequestTable;
  service_request_events: ServiceRequestEventTable;
  service_request_photos: ServiceRequestPhotoTable;
};
