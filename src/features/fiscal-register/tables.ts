import type { Generated } from 'kysely';
import type { CalendarDate, Defaulted, Json, Timestamp } from '../../db/columns.js';
import type { TaxSystem } from './register.js';

/** The sandbox register's registration and counters; no application code reads these. */
export type SandboxFiscalRegisterTable = {
  id: Generated<number>;
  registration_number: string;
  fn_number: string;
  company_name: string;
  company_inn: string;
  tax_system: TaxSystem;
  settlement_place: string;
  ofd_name: string;
  sign_key: string;
  last_fd_number: Defaulted<number>;
  shift_number: Defaulted<number>;
  shift_date: CalendarDate | null;
  last_number_in_shift: Defaulted<number>;
};

export type SandboxFiscalDocumentTable = {
  id: Generated<number>;
  register_id: number;
  external_id: string;
  fd_number: number;
  fiscal_sign: string;
  shift_number: number;
  number_in_shift: number;
  total_kopecks: number;
  customer_contact: string;
  request: Json;
  issued_at: Timestamp;
};

export type FiscalRegisterTables = {
  sandbox_fiscal_registers: SandboxFiscalRegisterTable;
  sandbox_fiscal_documents: SandboxFiscalDocumentTable;
};
