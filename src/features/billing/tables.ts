import type { ColumnType, Generated } from 'kysely';
import type { CalendarDate, Defaulted, DefaultedTimestamp, NullableTimestamp, Timestamp } from '../../db/columns.js';

export type PayeeTable = {
  id: Generated<number>;
  name: string;
  inn: string;
  kpp: string;
  bank_name: string;
  bic: string;
  account: string;
  corr_account: string;
  provider_id: number | null;
  /** Printed for each line of a payment agent's fiscal receipt. */
  phone: string | null;
};

export type ServiceBasis = 'area' | 'area_norm' | 'metered' | 'drainage';
export type ServiceTable = {
  code: string;
  name: string;
  unit: string;
  basis: ServiceBasis;
  resource: 'cold_water' | 'hot_water' | 'electricity' | 'gas' | 'heat' | null;
  penalty_kind: Defaulted<'utilities' | 'capital_repair'>;
  sort_order: number;
  payee_id: number | null;
};

export type Zone = 'T1' | 'T2' | 'T3';
export type TariffTable = {
  id: Generated<number>;
  service: string;
  /** 1, 2 or 3: the zones of the meter the price is for (1 for every non-zoned service). */
  plan: Defaulted<number>;
  zone: Defaulted<Zone>;
  price_kopecks: number;
  valid_from: CalendarDate;
  valid_to: CalendarDate | null;
  created_by: number | null;
};

export type ServiceNormTable = { id: Generated<number>; service: string; quantity: number; valid_from: CalendarDate };
export type NormMultiplierTable = { id: Generated<number>; service: string; multiplier: number; valid_from: CalendarDate };
export type DueDayTable = { valid_from: CalendarDate; day: number };
export type KeyRateTable = { valid_from: CalendarDate; rate: number };
export type PenaltyRateCapTable = { valid_from: CalendarDate; cap: number | null };

/** Money received for an account; the bill run reads «paid this period» from here. */
export type PaymentTable = {
  id: Generated<number>;
  payer_account_id: number;
  paid_on: CalendarDate;
  amount_kopecks: number;
  for_period: CalendarDate | null;
  method: string;
  created_at: DefaultedTimestamp;
  /** The online payment the money came from (several rows: one per period and penalty kind). */
  online_payment_id: number | null;
  /** The debt slice of `for_period` the money paid; null: billing's rule, the oldest first. */
  penalty_kind: 'utilities' | 'capital_repair' | null;
};

/**
 * A correction waiting for the next bill run. Contract for whoever writes here:
 * - one row per account, service (services.code) and period the correction is for
 *   (the first day of a month), with a reason the resident reads on the bill;
 * - either `amount_kopecks` (signed: negative lowers the bill), or a share of that
 *   period's charge for the service: `excess_hours` × `percent_per_hour` % (an outage
 *   beyond the allowed hours: 0.15 % per hour), which the run turns into a negative
 *   amount of the charged sum, never below minus the charge;
 * - `source_key` (optional, unique) makes the producer idempotent: insert with
 *   `on conflict (source_key) do nothing`, e.g. `notice:42:account:7:hot_water`;
 * - the first bill run for a period on or after `period` applies the row to that
 *   bill as a recalculation on the service's line and sets `applied_bill_id`, in the
 *   same transaction as the bill: a row is consumed exactly once; an applied row is
 *   never changed (a further correction is a new row).
 */
export type PendingRecalculationTable = {
  id: Generated<number>;
  payer_account_id: number;
  service: string;
  period: CalendarDate;
  reason: string;
  amount_kopecks: number | null;
  excess_hours: number | null;
  percent_per_hour: number | null;
  source_key: string | null;
  created_at: DefaultedTimestamp;
  applied_bill_id: number | null;
};

export type BillRunStatus = 'queued' | 'running' | 'done' | 'failed';
export type BillRunTable = {
  id: Generated<number>;
  period: CalendarDate;
  status: ColumnType<BillRunStatus, BillRunStatus | undefined, BillRunStatus>;
  total_accounts: Defaulted<number>;
  done_accounts: Defaulted<number>;
  bills_created: Defaulted<number>;
  error: string | null;
  started_by: number | null;
  created_at: DefaultedTimestamp;
  finished_at: NullableTimestamp;
};

export type BillTable = {
  id: Generated<number>;
  payer_account_id: number;
  period: CalendarDate;
  due_date: CalendarDate;
  balance_forward_kopecks: Defaulted<number>;
  charged_kopecks: number;
  paid_kopecks: Defaulted<number>;
  penalty_kopecks: Defaulted<number>;
  amount_due_kopecks: number;
  issued_at: Timestamp;
  penalty_as_of: CalendarDate | null;
};

export type LineSource = 'area' | 'reading' | 'average' | 'norm' | 'norm_raised' | 'recalculation';
export type BillLineTable = {
  id: Generated<number>;
  bill_id: number;
  service: string;
  quantity: number;
  unit: string;
  tariff_kopecks: number;
  charged_kopecks: number;
  recalculation_kopecks: Defaulted<number>;
  recalculation_reason: string | null;
  benefit_kopecks: Defaulted<number>;
  total_kopecks: number;
  payee_id: number | null;
  zone: Zone | null;
  source: LineSource | null;
  sort_order: Defaulted<number>;
};

export type BillingTables = {
  payees: PayeeTable;
  services: ServiceTable;
  tariffs: TariffTable;
  service_norms: ServiceNormTable;
  norm_multipliers: NormMultiplierTable;
  due_days: DueDayTable;
  key_rates: KeyRateTable;
  penalty_rate_caps: PenaltyRateCapTable;
  payments: PaymentTable;
  pending_recalculations: PendingRecalculationTable;
  bill_runs: BillRunTable;
  bills: BillTable;
  bill_lines: BillLineTable;
};
