import type { Generated } from 'kysely';
import type { CalendarDate, Defaulted, Timestamp } from '../../db/columns.js';

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
  balance_forward_kopecks: Defaulted<number>;
  charged_kopecks: number;
  paid_kopecks: Defaulted<number>;
  penalty_kopecks: Defaulted<number>;
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
  recalculation_kopecks: Defaulted<number>;
  recalculation_reason: string | null;
  benefit_kopecks: Defaulted<number>;
  total_kopecks: number;
};

export type BillsTables = {
  tariffs: TariffTable;
  bills: BillTable;
  bill_lines: BillLineTable;
};
