import type { PaymentMethod } from './tables.js';

// The seam between the cabinet and whoever takes the money. The cabinet never sees
// a card number: it creates a payment, sends the resident to the acquirer's hosted
// page, and learns the outcome from a signed notification or a status query. The
// sandbox acquirer (features/sandbox-acquirer) is reached through this interface
// over HTTP exactly as a real one would be; a real acquirer needs only a new adapter.

/** What the acquirer says about a payment. 'pending': no decision yet. */
export type AcquirerStatus = 'pending' | 'succeeded' | 'failed';

export type AcquirerPaymentState = {
  acquirerPaymentId: string;
  /** Our order id, as given to createPayment (the online payment's id). */
  orderId: string;
  status: AcquirerStatus;
  amountKopecks: number;
  /** The acquirer's transaction id, printed on the receipt (set on success). */
  transactionId: string | null;
  cardLast4: string | null;
  /** Issued on a first card payment made with saveCard; never the card number. */
  recurringToken: string | null;
  failureReason: string | null;
  /** When the acquirer decided (ISO 8601), null while pending. */
  decidedAt: string | null;
};

export type CreatePaymentRequest = {
  /** Our order id; creating twice with one id returns the first payment (safe to retry). */
  orderId: string;
  amountKopecks: number;
  /** The purpose: payer code and period (DOMAIN.md, Paying). */
  description: string;
  method: PaymentMethod;
  /** Where the hosted page sends the browser back after a decision. */
  returnUrl: string;
  /** Where the signed notifications go. */
  notifyUrl: string;
  /** Ask for a recurring token on this (card) payment, for auto-payment. */
  saveCard: boolean;
};

export type CreatedPayment = { acquirerPaymentId: string; confirmationUrl: string };

export type ChargeRecurringRequest = {
  orderId: string;
  amountKopecks: number;
  description: string;
  token: string;
  notifyUrl: string;
};

export interface Acquirer {
  /** Stored with each payment ('sandbox'). */
  readonly name: string;
  createPayment(request: CreatePaymentRequest): Promise<CreatedPayment>;
  /**
   * The state a notification carries if its signature (HMAC-SHA256 of the raw body,
   * compared in constant time) is right; null otherwise. Never throws on bad input.
   */
  verifyNotification(rawBody: string, signature: string | undefined): AcquirerPaymentState | null;
  /** The acquirer's current word on a payment (also after we missed a notification). */
  queryStatus(acquirerPaymentId: string): Promise<AcquirerPaymentState>;
  /** Charges a saved card without the resident (auto-payment); the decision comes back at once. */
  chargeRecurring(request: ChargeRecurringRequest): Promise<AcquirerPaymentState>;
}

/** The acquirer could not be reached or refused the request: nothing was charged by this call. */
export class AcquirerUnavailable extends Error {}
