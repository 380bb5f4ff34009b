import { SANE_YEARS, parseDay } from '../../lib/calendar.js';
import { PAYMENT_STATUS_LABELS } from '../../lib/labels.js';
import type { PaymentStatus } from '../payments/tables.js';

// The «История платежей» filters, read from the query string of a GET form.

export type HistoryFilter = { accountId: number | null; status: PaymentStatus | null; from: string | null; to: string | null };
export type HistoryQuery = { account?: string; status?: string; from?: string; to?: string; page?: string };
export type ParsedHistoryQuery = { filter: HistoryFilter; page: number; errors: Record<string, string> };

export const PAGE_SIZE = 20;

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

function isStatus(value: string): value is PaymentStatus {
  return Object.hasOwn(PAYMENT_STATUS_LABELS, value);
}

/** The filters and the page; a date that is not one comes back as a message next to its field. */
export function parseHistoryQuery(query: HistoryQuery): ParsedHistoryQuery {
  const errors: Record<string, string> = {};
  const filter: HistoryFilter = { accountId: null, status: null, from: null, to: null };

  const account = text(query.account);
  if (/^\d{1,9}$/.test(account)) filter.accountId = Number(account);

  const status = text(query.status);
  if (isStatus(status)) filter.status = status;

  for (const field of ['from', 'to'] as const) {
    const raw = text(query[field]);
    if (raw === '') continue;
    const day = parseDay(raw);
    if (day) filter[field] = day;
    else errors[field] = `Введите дату в формате ДД.ММ.ГГГГ с ${SANE_YEARS.from} по ${SANE_YEARS.to} год, например 27.11.2026`;
  }
  if (filter.from && filter.to && filter.from > filter.to) {
    errors.to = 'Дата «По» должна быть не раньше даты «С»';
    filter.to = null;
  }

  const pageRaw = text(query.page);
  const page = /^\d{1,6}$/.test(pageRaw) && Number(pageRaw) >= 1 ? Number(pageRaw) : 1;
  return { filter, page, errors };
}

/** The query string that keeps the filters (pagination links, the CSV link). */
export function historyQueryString(filter: HistoryFilter, page?: number): string {
  const params = new URLSearchParams();
  if (filter.accountId !== null) params.set('account', String(filter.accountId));
  if (filter.status) params.set('status', filter.status);
  if (filter.from) params.set('from', filter.from);
  if (filter.to) params.set('to', filter.to);
  if (page && page > 1) params.set('page', String(page));
  const query = params.toString();
  return query ? `?${query}` : '';
}
