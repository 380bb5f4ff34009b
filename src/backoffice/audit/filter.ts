import { listQueryString, parseDateRange, parsePage, queryText } from '../../lib/list-query.js';

// The «Журнал действий» filters, read from the query string of a GET form.

export type AuditFilter = { staffId: number | null; action: string | null; from: string | null; to: string | null };
export type AuditQuery = { staff?: string; action?: string; from?: string; to?: string; page?: string };
export type ParsedAuditQuery = { filter: AuditFilter; page: number; errors: Record<string, string> };

export const PAGE_SIZE = 50;

export function parseAuditQuery(query: AuditQuery): ParsedAuditQuery {
  const errors: Record<string, string> = {};
  const staff = queryText(query.staff);
  const action = queryText(query.action);
  const filter: AuditFilter = {
    staffId: /^\d{1,9}$/.test(staff) ? Number(staff) : null,
    action: action === '' ? null : action.slice(0, 100),
    ...parseDateRange(query, errors),
  };
  return { filter, page: parsePage(query.page), errors };
}

/** The query string that keeps the filters (for pagination links and the CSV link). */
export function filterQuery(filter: AuditFilter, page?: number): string {
  return listQueryString({ staff: filter.staffId, action: filter.action, from: filter.from, to: filter.to }, page);
}

/** Moscow midnight at the start of `day`, and of the day after `to` (the range includes `to`). */
export function dayStart(day: string): Date {
  return new Date(`${day}T00:00:00+03:00`);
}

export function dayAfter(day: string): Date {
  return new Date(dayStart(day).getTime() + 24 * 3600_000);
}
