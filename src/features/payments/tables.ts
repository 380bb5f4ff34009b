import type { ColumnType, Generated } from 'kysely';
import type { CalendarDate, Defaulted, DefaultedTimestamp, NullableTimestamp } from '../../db/columns.js';

export type PaymentStatus = 'created' | 'pending' | 'succeeded' | 'failed' | 'expired';
export type PaymentMethod = 'card' | 'sbp' | 'wallet';
/** 'recurring': charged by auto-payment with a saved token, without the resident on the page. */
export type PaymentKind = 'one_off' | 'recurring';

/**
 * One attempt to pay through the acquirer. Only a verified notification or a
 * status query moves `status`; succeeded, failed and expired are final.
 */
export type OnlinePaymentTable = {
  id: Generated<number>;
  resident_id: number;
  payer_account_id: number;
  idempotency_key: string;
  status: ColumnType<PaymentStatus, PaymentStatus | undefined, PaymentStatus>;
  kind: Defaulted<PaymentKind>;
  method: PaymentMethod;
  amount_kopecks: number;
  advance_kopecks: Defaulted<number>;
  for_period: CalendarDate | null;
  save_card: Defaulted<boolean>;
  /** Which adapter took it ('sandbox' here). */
  acquirer: string;
  acquirer_payment_id: string | null;
  /** The acquirer's hosted page the resident is sent to. */
  confirmation_url: string | null;
  transaction_id: string | null;
  card_last4: string | null;
  recurring_token: string | null;
  failure_reason: string | null;
  created_at: DefaultedTimestamp;
  pending_at: NullableTimestamp;
  finished_at: NullableTimestamp;
  paid_at: NullableTimestamp;
  paid_on: CalendarDate | null;
};

export type OnlinePaymentItemTable = { payment_id: number; service: string; amount_kopecks: number };

export type AllocationKind = 'debt' | 'penalty' | 'advance';
/** A part of a succeeded payment: a bill line's debt (with its payee), the penalty or an advance. */
export type PaymentAllocationTable = {
  id: Generated<number>;
  payment_id: number;
  payer_account_id: number;
  kind: AllocationKind;
  bill_id: number | null;
  period: CalendarDate | null;
  service: string | null;
  payee_id: number;
  amount_kopecks: number;
};

export type PaymentsTables = {
  online_payments: OnlinePaymentTable;
  online_payment_items: OnlinePaymentItemTable;
  payment_allocations: PaymentAllocationTable;
};
