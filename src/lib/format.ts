// Russian formatting for templates and messages. Money is integer kopecks.

const rubleFormat = new Intl.NumberFormat('ru-RU', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const dateFormat = new Intl.DateTimeFormat('ru-RU', { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'Europe/Moscow' });
const dateTimeFormat = new Intl.DateTimeFormat('ru-RU', {
  day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Moscow',
});
const monthFormat = new Intl.DateTimeFormat('ru-RU', { month: 'long', year: 'numeric', timeZone: 'UTC' });

/** 123456 → "1 234,56 ₽" (with the no-break spaces Intl uses). */
export function rubles(kopecks: number): string {
  const sign = kopecks < 0 ? '−' : '';
  return `${sign}${rubleFormat.format(Math.abs(kopecks) / 100)} ₽`;
}

function toDate(value: Date | string): Date {
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T12:00:00Z`) : new Date(value);
}

// Intl formats a date in microseconds, and a page of bills and readings formats the same
// few dozen calendar dates and months over and over: those are looked up once formatted.
const MEMO_LIMIT = 10_000;
const formattedDays = new Map<string, string>();
const formattedPeriods = new Map<string, string>();

function memo(cache: Map<string, string>, key: string, make: () => string): string {
  let text = cache.get(key);
  if (text === undefined) {
    text = make();
    if (cache.size < MEMO_LIMIT) cache.set(key, text);
  }
  return text;
}

/** A calendar date or instant → "27.11.2026" (Moscow). */
export function date(value: Date | string): string {
  if (typeof value === 'string') return memo(formattedDays, value, () => dateFormat.format(toDate(value)));
  return dateFormat.format(value);
}

/** An instant → "27.11.2026, 13:05" (Moscow). */
export function dateTime(value: Date | string): string {
  return dateTimeFormat.format(new Date(value));
}

/** A billing period (its first day) → "ноябрь 2026 г." */
export function period(value: string): string {
  return memo(formattedPeriods, value, () => monthFormat.format(new Date(`${value}T00:00:00Z`)));
}

/** Russian plural: plural(5, 'минута', 'минуты', 'минут') → "минут". */
export function plural(n: number, one: string, few: string, many: string): string {
  const abs = Math.abs(n) % 100;
  const last = abs % 10;
  if (abs > 10 && abs < 20) return many;
  if (last === 1) return one;
  if (last >= 2 && last <= 4) return few;
  return many;
}

/** "5 минут" */
export function count(n: number, one: string, few: string, many: string): string {
  return `${n} ${plural(n, one, few, many)}`;
}


function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Escapes text and makes its http(s) links clickable (message bodies, notices). */
export function linkify(text: string): string {
  return escapeHtml(text).replace(/https?:\/\/[^\s<]+/g, (url) => `<a href="${url}">${url}</a>`);
}

export const format = { rubles, date, dateTime, period, plural, count, linkify };
export type Format = typeof format;
