import { addDays, addMonths, dayOf, periodOf } from '../../lib/calendar.js';
import type { Parsed } from '../../lib/decimal.js';
import { date as formatDate } from '../../lib/format.js';
import type { Resource } from './tables.js';

// Meter-reading rules (DOMAIN.md). Dates are Moscow calendar dates, YYYY-MM-DD;
// a period is the first day of its month.

export const RESOURCE_NAMES: Record<Resource, string> = {
  cold_water: 'Холодная вода',
  hot_water: 'Горячая вода',
  electricity: 'Электроэнергия',
  gas: 'Газ',
  heat: 'Отопление',
};

export const RESOURCE_UNITS: Record<Resource, string> = {
  cold_water: 'м³',
  hot_water: 'м³',
  electricity: 'кВт·ч',
  gas: 'м³',
  heat: 'Гкал',
};

/** Electricity zones by the number of zones (DOMAIN.md): T1, T2, T3 in that order. */
export const ZONE_NAMES: Record<number, string[]> = {
  2: ['день', 'ночь'],
  3: ['пик', 'ночь', 'полупик'],
};

/**
 * When readings for a month are accepted: from `opensDay` of the month to
 * `closesDay` of the same month (closesNextMonth false) or of the next month.
 * The rows come from the reading_windows table; a resource's rule applies from
 * `validFrom` until its next row.
 */
export type Window = { opensDay: number; closesDay: number; closesNextMonth: boolean };
export type WindowRule = Window & { resource: Resource; validFrom: string };

/**
 * A jump is unusual when the period's consumption is above `factor` × the average of
 * the last `periods` periods, or, with no history yet, above the absolute bound.
 */
export const JUMP_RULE = { factor: 3, periods: 6 };
export const JUMP_BOUNDS: Record<Resource, number> = {
  cold_water: 50,
  hot_water: 50,
  electricity: 3000,
  gas: 500,
  heat: 10,
};

function windowFor(windows: WindowRule[], resource: Resource, date: string): Window {
  let best: WindowRule | undefined;
  for (const w of windows) if (w.resource === resource && w.validFrom <= date && (!best || w.validFrom > best.validFrom)) best = w;
  if (!best) throw new Error(`no reading window for ${resource} on ${date}`);
  return best;
}

/** The day the window for `period` opens. */
export function opensOn(windows: WindowRule[], resource: Resource, period: string): string {
  return dayOf(period, windowFor(windows, resource, period).opensDay);
}

/** The current window's dates, or the next one's when none is open on `today`. */
export function windowDates(windows: WindowRule[], resource: Resource, today: string): { open: boolean; opensOn: string; closesOn: string } {
  const state = windowState(windows, resource, today);
  if (state.open) return { open: true, opensOn: opensOn(windows, resource, state.period), closesOn: state.closesOn };
  const next = windowState(windows, resource, state.opensOn);
  return { open: false, opensOn: state.opensOn, closesOn: next.open ? next.closesOn : state.opensOn };
}

export type WindowState =
  | { open: true; period: string; closesOn: string }
  | { open: false; opensOn: string };

/**
 * Whether readings of this resource are accepted on `today`, for which period
 * (on the 1st–3rd a water reading belongs to the previous month), and otherwise
 * when the window opens next.
 */
export function windowState(windows: WindowRule[], resource: Resource, today: string): WindowState {
  const day = Number(today.slice(8, 10));
  const thisPeriod = periodOf(today);
  const lastPeriod = addMonths(thisPeriod, -1);
  const current = windowFor(windows, resource, thisPeriod);
  if (current.closesNextMonth) {
    if (day >= current.opensDay) return { open: true, period: thisPeriod, closesOn: dayOf(addMonths(thisPeriod, 1), current.closesDay) };
    const previous = windowFor(windows, resource, lastPeriod);
    if (previous.closesNextMonth && day <= previous.closesDay) {
      return { open: true, period: lastPeriod, closesOn: dayOf(thisPeriod, previous.closesDay) };
    }
  } else if (day >= current.opensDay && day <= current.closesDay) {
    return { open: true, period: thisPeriod, closesOn: dayOf(thisPeriod, current.closesDay) };
  }
  if (day < current.opensDay) return { open: false, opensOn: dayOf(thisPeriod, current.opensDay) };
  const nextPeriod = addMonths(thisPeriod, 1);
  return { open: false, opensOn: dayOf(nextPeriod, windowFor(windows, resource, nextPeriod).opensDay) };
}

/** How long before its verification date the resident is reminded of it. */
export const VERIFICATION_REMINDER_DAYS = 30;

/** The verification date is near (but not passed): the form reminds the resident. */
export function verificationDueSoon(nextVerificationDate: string, today: string): boolean {
  const reminderFrom = addDays(nextVerificationDate, -VERIFICATION_REMINDER_DAYS);
  return today >= reminderFrom && today <= nextVerificationDate;
}

/** A meter whose verification date has passed may not be read for billing. */
export function verificationOverdue(nextVerificationDate: string, today: string): boolean {
  return today > nextVerificationDate;
}

/** "123,4", "123.456", " 0 " → a number with at most 3 decimals, never negative. */
export function parseReading(input: string): Parsed<number> {
  const text = input.trim().replace(/\s+/g, '');
  if (text === '') return { ok: false, error: 'Введите показания' };
  if (text.startsWith('-')) return { ok: false, error: 'Показания не могут быть отрицательными' };
  const match = /^(\d{1,11})(?:[.,](\d{1,3}))?$/.exec(text);
  if (!match) {
    if (/^\d+[.,]\d{4,}$/.test(text)) return { ok: false, error: 'Введите не больше трёх знаков после запятой' };
    return { ok: false, error: 'Введите число, например 123,456' };
  }
  const thousandths = Number(match[1]) * 1000 + Number((match[2] ?? '').padEnd(3, '0'));
  return { ok: true, value: thousandths / 1000 };
}

/** Thousandths, so that comparisons of 3-decimal values are exact. */
function milli(value: number): number {
  return Math.round(value * 1000);
}

export function consumption(value: number, previous: number): number {
  return (milli(value) - milli(previous)) / 1000;
}

export function lowerThanPrevious(value: number, previous: number): boolean {
  return milli(value) < milli(previous);
}

/** Whole months from one period to a later one (a period is the first day of its month). */
export function monthsBetween(fromPeriod: string, toPeriod: string): number {
  const months = (date: string) => Number(date.slice(0, 4)) * 12 + Number(date.slice(5, 7));
  return months(toPeriod) - months(fromPeriod);
}

/**
 * Consumption per month elapsed: a reading sent after a gap covers every month of
 * the gap, so it is spread over them before comparing with a month's usual use.
 */
export function monthlyConsumption(used: number, months: number): number {
  return used / Math.max(1, months);
}

/**
 * Whether the consumption per month since the previous reading is far above the
 * usual: above JUMP_RULE.factor × the average monthly consumption of the last
 * readings, or above the resource's monthly bound when there is no history (or
 * only zero consumption) to compare with. `history` holds monthly figures, newest first.
 */
export function unusualJump(resource: Resource, used: number, history: number[], months = 1): boolean {
  const perMonth = monthlyConsumption(used, months);
  const recent = history.slice(0, JUMP_RULE.periods);
  const average = recent.length > 0 ? recent.reduce((sum, v) => sum + v, 0) / recent.length : 0;
  if (average > 0) return perMonth > JUMP_RULE.factor * average;
  return perMonth > JUMP_BOUNDS[resource];
}

/**
 * Why a replacement cannot be dated `replacedOn`, or null: it may be today or
 * earlier, back to the first day of the previous period (that period's bill may
 * still take the old meter's final reading), and not before the old meter was installed.
 */
export function replacementDateProblem(replacedOn: string, today: string, installedOn: string): string | null {
  const earliest = addMonths(periodOf(today), -1);
  if (replacedOn > today) return 'Дата замены не может быть позже сегодняшней';
  if (replacedOn < earliest) return `Дата замены — в текущем или прошлом периоде: не раньше ${formatDate(earliest)}`;
  if (replacedOn < installedOn) return `Дата замены не может быть раньше установки счётчика (${formatDate(installedOn)})`;
  return null;
}
