import { SANE_YEARS, parseDay } from '../../lib/calendar.js';

// The «Журнал действий» filters, read from the query string of a GET form.

export type AuditFilter = { staffId: number | null; action: string | null; from: string | null; to: string | null };
export type AuditQuery = { staff?: string; action?: string; from?: string; to?: string; page?: string };
export type ParsedAuditQuery = { filter: AuditFilter; page: number; errors: Record<string, string> };

export const PAGE_SIZE = 50;

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

export function parseAuditQuery(query: AuditQuery): ParsedAuditQuery {
  const errors: Record<string, string> = {};
  const filter: AuditFilter = { staffId: null, action: null, from: null, to: null };

  const staff = text(query.staff);
  if (/^\d{1,9}$/.test(staff)) filter.staffId = Number(staff);

  const action = text(query.action);
  if (action !== '') filter.action = action.slice(0, 100);

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

/** The query string that keeps the filters (for pagination links and the CSV link). */
export function filterQuery(filter: AuditFilter, page?: number): string {
  const params = new URLSearchParams();
  if (filter.staffId !== null) params.set('staff', String(filter.staffId));
  if (filter.action) params.set('action', filter.action);
  if (filter.from) params.set('from', filter.from);
  if (filter.to) params.set('to', filter.to);
  if (page && page > 1) params.set('page', String(page));
  const query = params.toString();
  return query ? `?${query}` : '';
}

/** Moscow midnight at the start of `day`, and of the day after `to` (the range includes `to`). */
export function dayStart(day: string): Date {
  return new Date(`${day}T00:00:00+03:00`);
}

export function dayAfter(day: string): Date {
  return new Date(dayStart(day).getTime() + 24 * 3600_000);
}
