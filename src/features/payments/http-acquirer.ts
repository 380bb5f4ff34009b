import type { AcquirerConfig } from '../../config.js';
import { signatureMatches } from '../../security/signatures.js';
import {
  AcquirerUnavailable,
  type Acquirer,
  type AcquirerPaymentState,
  type ChargeRecurringRequest,
  type CreatedPayment,
  type CreatePaymentRequest,
} from './acquirer.js';

/** The header the acquirer puts the body's HMAC-SHA256 (hex) in. */
export const SIGNATURE_HEADER = 'x-acquirer-signature';

// A loaded acquirer answers slowly; giving up early would only send the resident back to try again.
const TIMEOUT_MS = 30_000;

/**
 * The acquirer's JSON API over HTTP with the shop's Basic credentials: the sandbox
 * speaks it; a real acquirer with another API gets an adapter of its own.
 */
export class HttpAcquirer implements Acquirer {
  readonly name = 'sandbox';

  constructor(private readonly config: AcquirerConfig) {}

  async createPayment(request: CreatePaymentRequest): Promise<CreatedPayment> {
    const body = await this.call('POST', '/api/payments', request);
    if (typeof body.acquirerPaymentId !== 'string' || typeof body.confirmationUrl !== 'string') {
      throw new AcquirerUnavailable('the acquirer answered without a payment id or page');
    }
    return { acquirerPaymentId: body.acquirerPaymentId, confirmationUrl: body.confirmationUrl };
  }

  verifyNotification(rawBody: string, signature: string | undefined): AcquirerPaymentState | null {
    if (!signatureMatches(this.config.secret, rawBody, signature)) return null;
    try {
      return parseState(JSON.parse(rawBody));
    } catch {
      return null;
    }
  }

  async queryStatus(acquirerPaymentId: string): Promise<AcquirerPaymentState> {
    return this.state(await this.call('GET', `/api/payments/${encodeURIComponent(acquirerPaymentId)}`));
  }

  async chargeRecurring(request: ChargeRecurringRequest): Promise<AcquirerPaymentState> {
    return this.state(await this.call('POST', '/api/recurring-charges', request));
  }

  private state(body: Record<string, unknown>): AcquirerPaymentState {
    const state = parseState(body);
    if (!state) throw new AcquirerUnavailable('the acquirer answered with a state we cannot read');
    return state;
  }

  private async call(method: 'GET' | 'POST', path: string, payload?: unknown): Promise<Record<string, unknown>> {
    let response: Response;
    try {
      response = await fetch(`${this.config.url}${path}`, {
        method,
        headers: {
          authorization: `Basic ${Buffer.from(`${this.config.shopId}:${this.config.secret}`).toString('base64')}`,
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: payload === undefined ? undefined : JSON.stringify(payload),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw new AcquirerUnavailable(`the acquirer could not be reached: ${(error as Error).message}`);
    }
    if (!response.ok) throw new AcquirerUnavailable(`the acquirer answered ${response.status} to ${method} ${path}`);
    return (await response.json()) as Record<string, unknown>;
  }
}

const STATUSES = ['pending', 'succeeded', 'failed'];
const text = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 && v.length <= 200 ? v : null);

/** The state in a notification or an answer, or null if any field is missing or out of shape. */
export function parseState(body: unknown): AcquirerPaymentState | null {
  if (typeof body !== 'object' || body === null) return null;
  const b = body as Record<string, unknown>;
  const acquirerPaymentId = text(b.acquirerPaymentId);
  const orderId = text(b.orderId);
  if (!acquirerPaymentId || !orderId || typeof b.status !== 'string' || !STATUSES.includes(b.status)) return null;
  if (typeof b.amountKopecks !== 'number' || !Number.isSafeInteger(b.amountKopecks) || b.amountKopecks <= 0) return null;
  const cardLast4 = text(b.cardLast4);
  if (cardLast4 !== null && !/^\d{4}$/.test(cardLast4)) return null;
  return {
    acquirerPaymentId,
    orderId,
    status: b.status as AcquirerPaymentState['status'],
    amountKopecks: b.amountKopecks,
    transactionId: text(b.transactionId),
    cardLast4,
    recurringToken: text(b.recurringToken),
    failureReason: text(b.failureReason),
    decidedAt: text(b.decidedAt),
  };
}
