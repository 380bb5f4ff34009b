// Moscow calendar: dates, billing periods and the app's idea of "now". Dates are
// YYYY-MM-DD strings; a period is the first day of its month. Moscow is UTC+3 all year.

/**
 * The app's idea of "now". APP_TODAY moves the calendar date (keeping the time of
 * day) so that reading windows, due dates and billing can be shown on any day.
 */
export type Clock = {
  now(): Date;
  /** Today's date in Moscow, YYYY-MM-DD. */
  today(): string;
};

export const MOSCOW_OFFSET_MS = 3 * 60 * 60 * 1000;
const DAY_MS = 86_400_000;

/**
 * Years a date typed by a person may have. Year 0000 or 0001 is a real date to
 * JavaScript, but not to Postgres (no year zero) nor to anyone using this service.
 */
export const SANE_YEARS = { from: 1900, to: 2100 } as const;

/**
 * A real calendar date written YYYY-MM-DD within SANE_YEARS: "2026-02-30" is not
 * one, though Date would roll it over, and neither is "0001-01-01".
 */
export function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const year = Number(value.slice(0, 4));
  if (year < SANE_YEARS.from || year > SANE_YEARS.to) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

export function moscowDate(instant: Date): string {
  return new Date(instant.getTime() + MOSCOW_OFFSET_MS).toISOString().slice(0, 10);
}

/** Midnight at the start of a Moscow calendar date, as an instant. */
export function moscowMidnight(date: string): Date {
  return new Date(Date.parse(`${date}T00:00:00Z`) - MOSCOW_OFFSET_MS);
}

export function createClock(appToday?: string, realNow: () => Date = () => new Date()): Clock {
  const shiftMs = () => {
    if (!appToday) return 0;
    const real = realNow();
    const realDay = Date.parse(`${moscowDate(real)}T00:00:00Z`);
    return Date.parse(`${appToday}T00:00:00Z`) - realDay;
  };
  const now = () => new Date(realNow().getTime() + shiftMs());
  return { now, today: () => moscowDate(now()) };
}

/** A clock stopped at one instant, for tests and for a job that must see one "now" throughout. */
export function fixedClock(instant: Date | string): Clock {
  const at = new Date(instant);
  return { now: () => new Date(at), today: () => moscowDate(at) };
}

/** The first day of the month `months` after the month of `date` (negative goes back). */
export function addMonths(date: string, months: number): string {
  const [y, m] = date.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 1 + months, 1)).toISOString().slice(0, 10);
}

// The bill run's penalties shift the same few hundred dates by the same few offsets
// hundreds of thousands of times; a lookup costs a tenth of parsing and formatting.
const shiftedDays = new Map<string, string>();

export function addDays(date: string, days: number): string {
  const key = `${date}|${days}`;
  const known = shiftedDays.get(key);
  if (known !== undefined) return known;
  const shifted = new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
  if (shiftedDays.size >= 10_000) shiftedDays.clear();
  shiftedDays.set(key, shifted);
  return shifted;
}

/** Whole days from `from` to `to` (positive when `to` is later). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/** The billing period (first day of the month) a date falls in. */
export function periodOf(date: string): string {
  return `${date.slice(0, 7)}-01`;
}

/** The date of `day` in the month of `period`. */
export function dayOf(period: string, day: number): string {
  return `${period.slice(0, 8)}${String(day).padStart(2, '0')}`;
}

/** A calendar date from a date input (YYYY-MM-DD) or typed by hand (ДД.ММ.ГГГГ). */
export function parseDay(input: string): string | null {
  const text = input.trim();
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const russian = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(text);
  const [year, month, day] = iso ? [iso[1]!, iso[2]!, iso[3]!] : russian ? [russian[3]!, russian[2]!.padStart(2, '0'), russian[1]!.padStart(2, '0')] : [];
  if (!year) return null;
  const value = `${year}-${month}-${day}`;
  return isCalendarDate(value) ? value : null;
}
