import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { AccountsTables } from '../features/services/tables.js';
import type { AuthTables } from '../features/auth/tables.js';
import type { IdentityTables } from '../features/identity/tables.js';
import type { BackofficeTables } from '../backoffice/auth/tables.js';

// Row types per table, combined into one Database type. Services turn rows into
// domain objects; these types never reach templates.

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** A calendar date, YYYY-MM-DD. */
type CalendarDate = string;
type Json = ColumnType<unknown, string, string>;

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
  password_hash: string;
  email_confirmed_at: NullableTimestamp;
  identity_status: ColumnType<IdentityStatus, IdentityStatus | undefined, IdentityStatus>;
  created_at: Generated<Date>;
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

export type ProviderTable = { id: Generated<number>; name: string; inn: string };
export type BuildingTable = { id: Generated<number>; unom: number; address: string };
export type PremisesTable = {
  id: Generated<number>;
  building_id: number;
  flat_number: string;
  area: number;
  residents_count: number;
};
export type PayerAccountTable = {
  id: Generated<number>;
  payer_code: string;
  provider_id: number;
  premises_id: number;
};
export type TariffTable = {
  id: Generated<number>;
  service: string;
  unit: string;
  price_kopecks: number;
  valid_from: CalendarDate;
};
export type BillTable = {
  id: Generated<number>;
  payer_account_id: number;
  period: CalendarDate;
  due_date: CalendarDate;
  balance_forward_kopecks: ColumnType<number, number | undefined, number>;
  charged_kopecks: number;
  paid_kopecks: ColumnType<number, number | undefined, number>;
  penalty_kopecks: ColumnType<number, number | undefined, number>;
  amount_due_kopecks: number;
  issued_at: Timestamp;
};
export type BillLineTable = {
  id: Generated<number>;
  bill_id: number;
  service: string;
  quantity: number;
  unit: string;
  tariff_kopecks: number;
  charged_kopecks: number;
  recalculation_kopecks: ColumnType<number, number | undefined, number>;
  recalculation_reason: string | null;
  benefit_kopecks: ColumnType<number, number | undefined, number>;
  total_kopecks: number;
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
  providers: ProviderTable;
  buildings: BuildingTable;
  premises: PremisesTable;
  payer_accounts: PayerAccountTable;
  tariffs: TariffTable;
  bills: BillTable;
  bill_lines: BillLineTable;
};

// Each feature keeps the row types of its own tables in its folder (tables.ts)
// and joins them here.
export type Database = FoundationTables & AccountsTables & AuthTables & IdentityTables & BackofficeTables;

export type OutboxRow = Selectable<OutboxTable>;
export type NewSentMessage = Insertable<SentMessageTable>;
