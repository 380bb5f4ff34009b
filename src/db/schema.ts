import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { BackofficeTables } from '../backoffice/auth/tables.js';
import type { AccountsTables } from '../features/accounts/tables.js';
import type { AuthTables } from '../features/auth/tables.js';
import type { AutopaymentTables } from '../features/autopayment/tables.js';
import type { BillingTables } from '../features/billing/tables.js';
import type { CoOwnersTables } from '../features/co-owners/tables.js';
import type { DwellingTables } from '../features/dwelling/tables.js';
import type { EsiaTables } from '../features/esia/tables.js';
import type { FiscalRegisterTables } from '../features/fiscal-register/tables.js';
import type { IdentityTables } from '../features/identity/tables.js';
import type { LinkingTables } from '../features/linking/tables.js';
import type { MeterRequestsTables } from '../features/meter-requests/tables.js';
import type { ReadingsTables } from '../features/readings/tables.js';
import type { RequestsTables } from '../features/requests/tables.js';
import type { ReceiptsTables } from '../features/receipts/tables.js';
import type { NoticesTables } from '../features/notices/tables.js';
import type { PaymentsTables } from '../features/payments/tables.js';
import type { SandboxAcquirerTables } from '../features/sandbox-acquirer/tables.js';
import type { CalendarDate, DefaultedTimestamp as Timestamp, Json, NullableTimestamp } from './columns.js';

// Row types per table, combined into one Database type. Services turn rows into
// domain objects; these types never reach templates.


export type SessionTable = {
  sid: string;
  area: 'resident' | 'staff';
  data: Json;
  resident_id: number | null;
  staff_id: number | null;
  user_agent: string | null;
  ip: string | null;
  expires_at: Timestamp;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
};

export type OutboxStatus = 'pending' | 'dispatched' | 'done' | 'failed';
export type OutboxTable = {
  id: Generated<number>;
  job: string;
  payload: Json;
  status: ColumnType<OutboxStatus, OutboxStatus | undefined, OutboxStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  available_at: ColumnType<Date, Date | string | undefined, Date | string>;
  last_error: string | null;
  created_at: Generated<Date>;
  dispatched_at: NullableTimestamp;
  finished_at: NullableTimestamp;
  payload_erased_at: NullableTimestamp;
};

export type SentMessageTable = {
  id: Generated<number>;
  outbox_id: number | null;
  channel: 'email' | 'sms';
  recipient: string;
  subject: string | null;
  text: string;
  html: string | null;
  status: ColumnType<'sending' | 'sent', 'sending' | 'sent' | undefined, 'sending' | 'sent'>;
  created_at: Generated<Date>;
  sent_at: NullableTimestamp;
  erased_at: NullableTimestamp;
};

export type IdentityStatus = 'none' | 'pending' | 'confirmed' | 'rejected';
export type ResidentTable = {
  id: Generated<number>;
  email: string;
  phone: string;
  /** Null for a resident who signed up through Госуслуги and has not set a password. */
  password_hash: string | null;
  email_confirmed_at: NullableTimestamp;
  identity_status: ColumnType<IdentityStatus, IdentityStatus | undefined, IdentityStatus>;
  created_at: Generated<Date>;
  /** Confirmed personal data (null until the identity is confirmed) and who vouched for it. */
  last_name: string | null;
  first_name: string | null;
  middle_name: string | null;
  birth_date: CalendarDate | null;
  identity_source: 'documents' | 'esia' | null;
};

export type StaffRole = 'admin' | 'moderator' | 'dispatcher';
export type StaffTable = {
  id: Generated<number>;
  email: string;
  full_name: string;
  password_hash: string | null;
  roles: ColumnType<StaffRole[], StaffRole[] | undefined, StaffRole[]>;
  active: Generated<boolean>;
  created_at: Generated<Date>;
};

export type AuditLogTable = {
  id: Generated<number>;
  staff_id: number | null;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  details: ColumnType<Record<string, unknown>, string | undefined, never>;
  ip: string | null;
  created_at: Generated<Date>;
};

export type TokenTable = {
  id: Generated<number>;
  purpose: string;
  subject_id: number;
  token_hash: string;
  data: ColumnType<Record<string, unknown>, string | undefined, string>;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  created_at: Generated<Date>;
};

export type OneTimeCodeTable = {
  id: Generated<number>;
  purpose: string;
  subject_id: number;
  channel: 'email' | 'sms';
  destination: string;
  code_hash: string;
  attempts: ColumnType<number, number | undefined, number>;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  created_at: Timestamp;
};

type FoundationTables = {
  sessions: SessionTable;
  outbox: OutboxTable;
  sent_messages: SentMessageTable;
  residents: ResidentTable;
  staff: StaffTable;
  audit_log: AuditLogTable;
  tokens: TokenTable;
  one_time_codes: OneTimeCodeTable;
};

// Each feature keeps the row types of its own tables in its folder (tables.ts)
// and joins them here.
export type Database = FoundationTables &
  AuthTables &
  BackofficeTables &
  IdentityTables &
  AccountsTables &
  LinkingTables &
  DwellingTables &
  MeterRequestsTables &
  ReadingsTables &
  CoOwnersTables &
  BillingTables &
  EsiaTables &
  FiscalRegisterTables &
  NoticesTables &
  RequestsTables &
  PaymentsTables &
  ReceiptsTables &
  AutopaymentTables &
  SandboxAcquirerTables;

export type OutboxRow = Selectable<OutboxTable>;
export type NewSentMessage = Insertable<SentMessageTable>;
