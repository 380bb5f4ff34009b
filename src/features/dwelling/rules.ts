import { addMonths, periodOf } from '../../lib/calendar.js';
import type { Parsed } from '../../lib/decimal.js';

// Dwelling data the owner may change: area and residents count. A change applies
// from the next billing period, so the current bill never moves under the resident.

export function firstPeriodOfChange(today: string): string {
  return addMonths(periodOf(today), 1);
}

/** "54,3" or "54.30" → 54.3; positive, at most 2 decimals, below 10 000 m². */
export function parseArea(input: string): Parsed<number> {
  const text = input.trim().replace(',', '.');
  if (text === '') return { ok: false, error: 'Введите площадь' };
  if (!/^\d{1,4}(\.\d{1,2})?$/.test(text)) return { ok: false, error: 'Введите площадь в квадратных метрах, например 54,3' };
  const value = Number(text);
  if (value <= 0) return { ok: false, error: 'Площадь должна быть больше нуля' };
  return { ok: true, value };
}

/** A whole number from 0 to 99. */
export function parseResidentsCount(input: string): Parsed<number> {
  const text = input.trim();
  if (text === '') return { ok: false, error: 'Введите количество проживающих' };
  if (!/^\d{1,2}$/.test(text)) return { ok: false, error: 'Введите целое число от 0 до 99' };
  return { ok: true, value: Number(text) };
}
