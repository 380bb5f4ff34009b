import { PAYMENT_STATUS_LABELS } from '../../lib/labels.js';
import { listQueryString, parseDateRange, parsePage, queryText } from '../../lib/list-query.js';
import type { PaymentStatus } from '../payments/tables.js';

// The «История платежей» filters, read from the query string of a GET form.

export type HistoryFilter = { accountId: number | null; status: PaymentStatus | null; from: string | null; to: string | null };
export type HistoryQuery = { account?: string; status?: string; from?: string; to?: string; page?: string };
export type ParsedHistoryQuery = { filter: HistoryFilter; page: number; errors: Record<string, string> };

export const PAGE_SIZE = 20;

function isStatus(value: string): value is PaymentStatus {
  return Object.hasOwn(PAYMENT_STATUS_LABELS, value);
}

/** The filters and the page; a date that is not one comes back as a message next to its field. */
export function parseHistoryQuery(query: HistoryQuery): ParsedHistoryQuery {
  const errors: Record<string, string> = {};
  const account = queryText(query.account);
  const status = queryText(query.status);
  const filter: HistoryFilter = {
    accountId: /^\d{1,9}$/.test(account) ? Number(account) : null,
    status: isStatus(status) ? status : null,
    ...parseDateRange(query, errors),
  };
  return { filter, page: parsePage(query.page), errors };
}

/** The query string that keeps the filters (pagination links, the CSV link). */
export function historyQueryString(filter: HistoryFilter, page?: number): string {
  return listQueryString({ account: filter.accountId, status: filter.status, from: filter.from, to: filter.to }, page);
}
