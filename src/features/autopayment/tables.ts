import type { ColumnType, Generated } from 'kysely';
import type { CalendarDate, Defaulted, NullableTimestamp, Timestamp } from '../../db/columns.js';

/** «Автоплатёж» of an account: one row per account; cancelling sets cancelled_at. */
export type AutopaymentTable = {
  payer_account_id: number;
  resident_id: number;
  charge_day: number;
  max_kopecks: number;
  token_payment_id: number;
  created_at: Timestamp;
  updated_at: Timestamp;
  cancelled_at: NullableTimestamp;
};

/**
 * What became of one account's auto-payment in one month. 'due' and 'charging' and
 * 'retry' are on the way; the rest are final.
 */
export type ChargeStatus = 'due' | 'charging' | 'retry' | 'succeeded' | 'failed' | 'over_limit' | 'nothing_due' | 'cancelled';
export type AutopaymentChargeTable = {
  id: Generated<number>;
  payer_account_id: number;
  period: CalendarDate;
  resident_id: number;
  status: ColumnType<ChargeStatus, ChargeStatus | undefined, ChargeStatus>;
  bill_id: number | null;
  amount_kopecks: number | null;
  attempts: Defaulted<number>;
  /** The online payment of the latest attempt. */
  payment_id: number | null;
  next_attempt_on: CalendarDate | null;
  created_at: Timestamp;
  finished_at: NullableTimestamp;
};

export type AutopaymentReminderTable = { payer_account_id: number; period: CalendarDate; sent_at: Timestamp };

export type AutopaymentTables = {
  autopayments: AutopaymentTable;
  autopayment_charges: AutopaymentChargeTable;
  autopayment_reminders: AutopaymentReminderTable;
};
