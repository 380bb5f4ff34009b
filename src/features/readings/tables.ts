import type { Generated } from 'kysely';
import type { CalendarDate, Timestamp } from '../../db/columns.js';

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

/** When readings of a resource are accepted, by the date the rule applies from. */
export type ReadingWindowTable = {
  id: Generated<number>;
  resource: Resource;
  valid_from: CalendarDate;
  opens_day: number;
  closes_day: number;
  closes_next_month: boolean;
};

export type ReadingsTables = {
  reading_windows: ReadingWindowTable;
  meters: MeterTable;
  meter_readings: MeterReadingTable;
  meter_replacements: MeterReplacementTable;
};
