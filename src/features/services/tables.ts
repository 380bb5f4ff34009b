import type { ColumnType, Generated } from 'kysely';

// Row types of the utility-account tables (migrations/0005_accounts.ts).

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** A calendar date, YYYY-MM-DD. */
type CalendarDate = string;

export type LinkStatus = 'pending' | 'approved' | 'rejected';
export type AccountLinkTable = {
  id: Generated<number>;
  resident_id: number;
  requested_payer_code: string;
  requested_provider_id: number;
  requested_flat: string;
  consented_at: Timestamp;
  payer_account_id: number | null;
  status: ColumnType<LinkStatus, LinkStatus | undefined, LinkStatus>;
  reason: string | null;
  decided_by: number | null;
  decided_at: NullableTimestamp;
  created_at: Generated<Date>;
};

export type DwellingChangeTable = {
  id: Generated<number>;
  payer_account_id: number;
  area: number;
  residents_count: number;
  effective_from: CalendarDate;
  submitted_by: number;
  submitted_at: Timestamp;
};

export type Resource = 'cold_water' | 'hot_water' | 'electricity' | 'gas' | 'heat';
export type MeterTable = {
  id: Generated<number>;
  payer_account_id: number;
  resource: Resource;
  serial_number: string;
  zones: number;
  next_verification_date: CalendarDate;
  installed_on: CalendarDate;
  initial_t1: number;
  initial_t2: number | null;
  initial_t3: number | null;
  replaced_on: CalendarDate | null;
  active: Generated<boolean>;
};

export type MeterReadingTable = {
  id: Generated<number>;
  meter_id: number;
  period: CalendarDate;
  value_t1: number;
  value_t2: number | null;
  value_t3: number | null;
  submitted_by: number | null;
  submitted_at: Timestamp;
  replaced_count: Generated<number>;
};

export type MeterReplacementTable = {
  id: Generated<number>;
  old_meter_id: number;
  new_meter_id: number;
  replaced_on: CalendarDate;
  staff_id: number;
  created_at: Generated<Date>;
};

export type CoOwnerRights = 'view' | 'view_pay';
export type CoOwnerGrantTable = {
  id: Generated<number>;
  payer_account_id: number;
  invited_by: number;
  invited_email: string;
  rights: CoOwnerRights;
  invited_at: Timestamp;
  accepted_by: number | null;
  accepted_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
};

export type AccountsTables = {
  account_links: AccountLinkTable;
  dwelling_changes: DwellingChangeTable;
  meters: MeterTable;
  meter_readings: MeterReadingTable;
  meter_replacements: MeterReplacementTable;
  co_owner_grants: CoOwnerGrantTable;
};
