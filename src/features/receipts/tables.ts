import type { DefaultedTimestamp, Timestamp } from '../../db/columns.js';
import type { TaxSystem } from '../fiscal-register/register.js';

/** The fiscal receipt the register issued for a succeeded payment, as it answered. */
export type PaymentReceiptTable = {
  payment_id: number;
  registration_number: string;
  fn_number: string;
  fd_number: number;
  fiscal_sign: string;
  shift_number: number;
  number_in_shift: number;
  issued_at: Timestamp;
  company_name: string;
  company_inn: string;
  tax_system: TaxSystem;
  settlement_place: string;
  ofd_name: string;
  tax_service_site: string;
  total_kopecks: number;
  customer_contact: string;
  qr: string;
  created_at: DefaultedTimestamp;
};

export type ReceiptsTables = { payment_receipts: PaymentReceiptTable };
