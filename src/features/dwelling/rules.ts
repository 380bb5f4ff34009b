import { addMonths, periodOf } from '../../lib/calendar.js';
import type { Parsed } from '../../lib/decimal.js';

// Dwelling data the owner may change: area and residents count. A change applies
// from the next billing period, so the current bill never moves under the resident.

export function firstPeriodOfChange(today: string): string {
  return addMonths(periodOf(today), 1);
}

/** What a request may ask for: a flat of 1 to 1000 m², 0 to 30 residents. */
export const DWELLING_BOUNDS = { area: { min: 1, max: 1000 }, residents: { min: 0, max: 30 } };

/** "54,3" or "54.30" → 54.3; at most 2 decimals, within DWELLING_BOUNDS. */
export function parseArea(input: string): Parsed<number> {
  const text = input.trim().replace(',', '.');
  if (text === '') return { ok: false, error: 'Введите площадь' };
  if (!/^\d{1,5}(\.\d{1,2})?$/.test(text)) return { ok: false, error: 'Введите площадь в квадратных метрах, например 54,3' };
  const value = Number(text);
  const { min, max } = DWELLING_BOUNDS.area;
  if (value < min || value > max) return { ok: false, error: `Площадь — от ${min} до ${max} м²` };
  return { ok: true, value };
}

/** A whole number within DWELLING_BOUNDS. */
export function parseResidentsCount(input: string): Parsed<number> {
  const text = input.trim();
  const { min, max } = DWELLING_BOUNDS.residents;
  if (text === '') return { ok: false, error: 'Введите количество проживающих' };
  if (!/^\d{1,3}$/.test(text) || Number(text) < min || Number(text) > max) return { ok: false, error: `Количество проживающих — целое число от ${min} до ${max}` };
  return { ok: true, value: Number(text) };
}
