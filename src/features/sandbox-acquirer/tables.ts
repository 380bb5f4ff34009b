import type { ColumnType } from 'kysely';
import type { DefaultedTimestamp, Defaulted, NullableTimestamp } from '../../db/columns.js';
import type { PaymentMethod } from '../payments/tables.js';

export type SandboxStatus = 'pending' | 'three_ds' | 'succeeded' | 'failed';
export type SandboxPaymentTable = {
  id: string;
  order_id: string;
  amount_kopecks: number;
  description: string;
  method: PaymentMethod;
  status: ColumnType<SandboxStatus, SandboxStatus | undefined, SandboxStatus>;
  transaction_id: string | null;
  card_last4: string | null;
  failure_reason: string | null;
  save_card: Defaulted<boolean>;
  recurring_token: string | null;
  return_url: string;
  notify_url: string;
  created_at: DefaultedTimestamp;
  decided_at: NullableTimestamp;
};

export type SandboxTokenTable = { token: string; card_last4: string; first_payment_id: string; created_at: DefaultedTimestamp };

export type SandboxAcquirerTables = {
  sandbox_acquirer_payments: SandboxPaymentTable;
  sandbox_acquirer_tokens: SandboxTokenTable;
};
