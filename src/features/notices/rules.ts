import { MOSCOW_OFFSET_MS, addDays, addMonths, moscowDate, moscowMidnight, periodOf } from '../../lib/calendar.js';
import type { NoticeKind, NoticeResource } from './tables.js';

// Notices as pure rules: labels, the form's checks, Moscow times typed by a
// dispatcher, dates in plain Russian, and the interruption hours beyond what
// Правила 354 (annex 1) allow.

export const KIND_LABELS: Record<NoticeKind, string> = {
  planned: 'Плановое отключение',
  emergency: 'Аварийное отключение',
  repair: 'Ремонт',
};

export const RESOURCE_LABELS: Record<NoticeResource, string> = {
  hot_water: 'Горячая вода',
  cold_water: 'Холодная вода',
  electricity: 'Электроэнергия',
  gas: 'Газ',
  heating: 'Отопление',
};

export const KINDS = Object.keys(KIND_LABELS) as NoticeKind[];
export const RESOURCES = Object.keys(RESOURCE_LABELS) as NoticeResource[];

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** A planned hot-water outage longer than this needs the dispatcher to confirm it. */
export const LONG_HOT_WATER_DAYS = 14;

// ---- Moscow time as typed into <input type="datetime-local">

/** "2026-06-03T10:00" read as Moscow time; null when it is not a real date and time. */
export function parseMoscowDateTime(value: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})$/.exec(value.trim());
  if (!match) return null;
  const [, y, mo, d, h, mi] = match.map(Number) as [number, number, number, number, number, number];
  if (h > 23 || mi > 59) return null;
  const utc = Date.UTC(y, mo - 1, d, h, mi);
  const check = new Date(utc);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return null;
  return new Date(utc - MOSCOW_OFFSET_MS);
}

/** An instant as the value of a datetime-local field, in Moscow time. */
export function moscowInputValue(instant: Date): string {
  return new Date(instant.getTime() + MOSCOW_OFFSET_MS).toISOString().slice(0, 16);
}

function moscowTime(instant: Date): string {
  return new Date(instant.getTime() + MOSCOW_OFFSET_MS).toISOString().slice(11, 16);
}

// ---- The form

export type NoticeForm = {
  kind: string;
  resource: string;
  buildingIds: number[];
  startsAt: string;
  endsAt: string;
  supplier: string;
  reason: string;
  body: string;
  confirmLong: boolean;
};

export type NoticeInput = {
  kind: NoticeKind;
  resource: NoticeResource;
  buildingIds: number[];
  startsAt: Date;
  endsAt: Date | null;
  supplier: string;
  reason: string;
  body: string;
  longOutageConfirmed: boolean;
};

export type FormErrors = Record<string, string>;

export function emptyForm(): NoticeForm {
  return { kind: '', resource: '', buildingIds: [], startsAt: '', endsAt: '', supplier: '', reason: '', body: '', confirmLong: false };
}

/** Needs the explicit confirmation: a planned hot-water outage over 14 days. */
export function isLongHotWaterOutage(kind: string, resource: string, startsAt: Date | null, endsAt: Date | null): boolean {
  return kind === 'planned' && resource === 'hot_water' && startsAt !== null && endsAt !== null && endsAt.getTime() - startsAt.getTime() > LONG_HOT_WATER_DAYS * DAY_MS;
}

function textError(value: string, max: number, missing: string): string | undefined {
  if (value === '') return missing;
  if (value.length > max) return `Не длиннее ${max} символов`;
  return undefined;
}

export function validateNotice(form: NoticeForm): { ok: true; value: NoticeInput } | { ok: false; errors: FormErrors } {
  const errors: FormErrors = {};
  if (!(KINDS as string[]).includes(form.kind)) errors.kind = 'Выберите тип объявления';
  if (!(RESOURCES as string[]).includes(form.resource)) errors.resource = 'Выберите ресурс';
  if (form.buildingIds.length === 0) errors.buildings = 'Выберите хотя бы один дом';
  const startsAt = parseMoscowDateTime(form.startsAt);
  if (!startsAt) errors.startsAt = form.startsAt.trim() === '' ? 'Укажите начало' : 'Укажите начало как дату и время, например 03.06.2026 10:00';
  const endsAt = form.endsAt.trim() === '' ? null : parseMoscowDateTime(form.endsAt);
  if (form.endsAt.trim() !== '' && !endsAt) errors.endsAt = 'Укажите окончание как дату и время, например 12.06.2026 18:00';
  else if (!endsAt && form.kind !== 'emergency') errors.endsAt = 'Укажите окончание (без окончания можно только аварийное отключение)';
  else if (startsAt && endsAt && endsAt <= startsAt) errors.endsAt = 'Окончание должно быть позже начала';
  else if (isLongHotWaterOutage(form.kind, form.resource, startsAt, endsAt) && !form.confirmLong) {
    errors.confirmLong = `Плановое отключение горячей воды дольше ${LONG_HOT_WATER_DAYS} дней: подтвердите, что это не ошибка`;
  }
  const supplier = form.supplier.trim();
  const reason = form.reason.trim();
  const body = form.body.trim();
  const supplierError = textError(supplier, 200, 'Укажите поставщика или исполнителя работ');
  if (supplierError) errors.supplier = supplierError;
  const reasonError = textError(reason, 500, 'Укажите причину');
  if (reasonError) errors.reason = reasonError;
  const bodyError = textError(body, 4000, 'Введите текст объявления');
  if (bodyError) errors.body = bodyError;
  if (Object.keys(errors).length > 0 || !startsAt) return { ok: false, errors };
  return {
    ok: true,
    value: {
      kind: form.kind as NoticeKind,
      resource: form.resource as NoticeResource,
      buildingIds: form.buildingIds,
      startsAt,
      endsAt,
      supplier,
      reason,
      body,
      longOutageConfirmed: isLongHotWaterOutage(form.kind, form.resource, startsAt, endsAt),
    },
  };
}

// ---- Where a notice stands, and its dates in plain Russian

export type Phase = 'current' | 'upcoming' | 'past';

/** `end` is the actual end of a closed notice, the planned one otherwise (null: until further notice). */
export function phaseOf(start: Date, end: Date | null, now: Date): Phase {
  if (start > now) return 'upcoming';
  if (end !== null && end <= now) return 'past';
  return 'current';
}

const MONTHS_GENITIVE = ['января', 'февраля', 'марта', 'апреля', 'мая', 'июня', 'июля', 'августа', 'сентября', 'октября', 'ноября', 'декабря'];

function dayMonth(date: string, withYear: boolean): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return `${d} ${MONTHS_GENITIVE[m - 1]}${withYear ? ` ${y} г.` : ''}`;
}

function dayWord(date: string, today: string, withYear: boolean): string {
  if (date === today) return 'сегодня';
  if (date === addDays(today, 1)) return 'завтра';
  return dayMonth(date, withYear);
}

/**
 * "сегодня до 18:00", "завтра с 10:00 до 18:00", "с 3 по 12 июня",
 * "с 28 мая по 3 июня", "с 10:00 сегодня до устранения аварии". An end at Moscow
 * midnight belongs to the day before ("до 24:00").
 */
export function describeWhen(start: Date, end: Date | null, now: Date): string {
  const today = moscowDate(now);
  const startDay = moscowDate(start);
  const startTime = moscowTime(start);
  const otherYear = (day: string) => day.slice(0, 4) !== today.slice(0, 4);
  if (end === null) {
    const from = start <= now ? `с ${startTime} ${dayWord(startDay, today, otherYear(startDay))}` : `${dayWord(startDay, today, otherYear(startDay))} с ${startTime}`;
    return `${from} до устранения аварии`;
  }
  const endsAtMidnight = moscowTime(end) === '00:00';
  const endDay = endsAtMidnight ? addDays(moscowDate(end), -1) : moscowDate(end);
  const endTime = endsAtMidnight ? '24:00' : moscowTime(end);
  if (startDay === endDay) {
    const day = dayWord(startDay, today, otherYear(startDay));
    if (start <= now && startDay === today) return `сегодня до ${endTime}`;
    return `${day} с ${startTime} до ${endTime}`;
  }
  if (start <= now && endDay === today) return `сегодня до ${endTime}`;
  const withYear = otherYear(startDay) || otherYear(endDay) || startDay.slice(0, 4) !== endDay.slice(0, 4);
  const sameMonth = startDay.slice(0, 7) === endDay.slice(0, 7);
  const from = sameMonth && !withYear ? String(Number(startDay.slice(8))) : dayMonth(startDay, withYear);
  return `с ${from} по ${dayMonth(endDay, withYear)}`;
}

// ---- Buildings and streets

/** "г. Москва, ул. Тверская, д. 10" → "г. Москва, ул. Тверская": the part before the house number. */
export function streetOf(address: string): string | null {
  const at = address.search(/,\s*(д\.|дом|вл\.)\s*/i);
  return at > 0 ? address.slice(0, at) : null;
}

/** How a street reads without the city: "ул. Тверская". */
export function streetName(street: string): string {
  return street.replace(/^г\.\s*[^,]+,\s*/, '');
}

// ---- Interruptions beyond what is allowed (Правила 354, annex 1)

/**
 * Allowed hours per resource: in total in a calendar month, and in one interruption.
 * Electricity assumes two independent supply sources (Moscow apartment blocks); gas
 * is п. 17 of the annex (4 hours a month). The figures date from the 2011 rules.
 */
export const ALLOWED_INTERRUPTIONS: Record<NoticeResource, { monthlyHours: number | null; onceHours: number | null; validFrom: string }> = {
  hot_water: { monthlyHours: 8, onceHours: 4, validFrom: '2011-09-01' },
  cold_water: { monthlyHours: 8, onceHours: 4, validFrom: '2011-09-01' },
  electricity: { monthlyHours: null, onceHours: 2, validFrom: '2011-09-01' },
  heating: { monthlyHours: 24, onceHours: null, validFrom: '2011-09-01' },
  gas: { monthlyHours: 4, onceHours: null, validFrom: '2011-09-01' },
};

/** The bill's share of the month's charge for the service per hour of excess, in per cent. */
export const REDUCTION_PERCENT_PER_HOUR = 0.15;

/** Hot-water testing in May to September is planned work the law allows (up to 14 days). */
const TESTING_MONTHS = [5, 6, 7, 8, 9];

export type Interval = { start: Date; end: Date };

/**
 * The part of an interruption that counts against the allowance: all of it, except
 * that planned hot-water testing in May–September counts only past its 14 days.
 */
export function countedInterval(kind: NoticeKind, resource: NoticeResource, start: Date, end: Date): Interval | null {
  const testing = kind === 'planned' && resource === 'hot_water' && TESTING_MONTHS.includes(Number(moscowDate(start).slice(5, 7)));
  if (!testing) return { start, end };
  const countedFrom = new Date(start.getTime() + LONG_HOT_WATER_DAYS * DAY_MS);
  return countedFrom < end ? { start: countedFrom, end } : null;
}

function overlapHours(a: Interval, from: Date, to: Date): number {
  const start = Math.max(a.start.getTime(), from.getTime());
  const end = Math.min(a.end.getTime(), to.getTime());
  return end > start ? (end - start) / HOUR_MS : 0;
}

/** The Moscow calendar months (their first days) an interval touches. */
export function periodsOf(interval: Interval): string[] {
  const periods: string[] = [];
  const last = periodOf(moscowDate(new Date(interval.end.getTime() - 1)));
  for (let p = periodOf(moscowDate(interval.start)); p <= last; p = addMonths(p, 1)) periods.push(p);
  return periods;
}

/**
 * Hours of excess in one month (`period`, Moscow) for one building and resource,
 * from every counted interruption: the larger of the hours over the monthly total
 * and the hours each interruption ran past the one-time limit (those hours that
 * fall in this month). Rounded to hundredths.
 */
export function monthlyExcessHours(resource: NoticeResource, intervals: Interval[], period: string): number {
  const { monthlyHours, onceHours } = ALLOWED_INTERRUPTIONS[resource];
  const from = moscowMidnight(period);
  const to = moscowMidnight(addMonths(period, 1));
  const total = intervals.reduce((sum, i) => sum + overlapHours(i, from, to), 0);
  const overTotal = monthlyHours === null ? 0 : Math.max(0, total - monthlyHours);
  const overOnce =
    onceHours === null
      ? 0
      : intervals.reduce((sum, i) => sum + overlapHours({ start: new Date(i.start.getTime() + onceHours * HOUR_MS), end: i.end }, from, to), 0);
  return Math.round(Math.max(overTotal, overOnce) * 100) / 100;
}

