import { SANE_YEARS, parseDay } from './calendar.js';

// What the filtered, paginated lists (the audit log, «История платежей») read from the
// query string of their GET forms, and how their links keep it.

export function queryText(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

export type DateRange = { from: string | null; to: string | null };

/** «С» and «По»: a date that is not one, or a range backwards, comes back as a message next to its field. */
export function parseDateRange(query: { from?: string; to?: string }, errors: Record<string, string>): DateRange {
  const range: DateRange = { from: null, to: null };
  for (const field of ['from', 'to'] as const) {
    const raw = queryText(query[field]);
    if (raw === '') continue;
    const day = parseDay(raw);
    if (day) range[field] = day;
    else errors[field] = `Введите дату в формате ДД.ММ.ГГГГ с ${SANE_YEARS.from} по ${SANE_YEARS.to} год, например 27.11.2026`;
  }
  if (range.from && range.to && range.from > range.to) {
    errors.to = 'Дата «По» должна быть не раньше даты «С»';
    range.to = null;
  }
  return range;
}

/** The page number, 1 when missing or not one. */
export function parsePage(value: unknown): number {
  const raw = queryText(value);
  return /^\d{1,6}$/.test(raw) && Number(raw) >= 1 ? Number(raw) : 1;
}

/** The query string that keeps the filters set (for pagination links and the CSV link). */
export function listQueryString(filters: Record<string, string | number | null>, page?: number): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) if (value !== null && value !== '') params.set(name, String(value));
  if (page && page > 1) params.set('page', String(page));
  const query = params.toString();
  return query ? `?${query}` : '';
}
