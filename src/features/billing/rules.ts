// Pure billing rules. Every figure that changes by law (due day, rates, tariffs)
// comes in as dated rows; nothing dated is written here.
import { addMonths, dayOf } from '../../lib/calendar.js';

const INN_WEIGHTS = [2, 4, 10, 3, 5, 9, 4, 6, 8];

/** An organisation's ИНН: 10 digits, the last one a check digit over the first nine. */
export function isValidInn(inn: string): boolean {
  if (!/^\d{10}$/.test(inn)) return false;
  const sum = INN_WEIGHTS.reduce((total, weight, i) => total + weight * Number(inn[i]), 0);
  return (sum % 11) % 10 === Number(inn[9]);
}

const ACCOUNT_KEY_WEIGHTS = [7, 1, 3];

// The control key of a Russian bank account (Bank of Russia rules): 23 digits — three of
// the БИК before the account — weighted 7, 1, 3, … add up to a multiple of ten.
function accountKeyOk(digits: string): boolean {
  const sum = [...digits].reduce((total, digit, i) => total + ((Number(digit) * ACCOUNT_KEY_WEIGHTS[i % 3]!) % 10), 0);
  return sum % 10 === 0;
}

/** A settlement account (расчётный счёт): 20 digits whose key matches the bank's БИК (its last three digits). */
export function isValidSettlementAccount(bic: string, account: string): boolean {
  return /^\d{9}$/.test(bic) && /^\d{20}$/.test(account) && accountKeyOk(bic.slice(-3) + account);
}

/** A correspondent account (корр. счёт, 30101…): its key matches "0" and digits 5–6 of the БИК. */
export function isValidCorrespondentAccount(bic: string, account: string): boolean {
  return /^\d{9}$/.test(bic) && /^30101\d{15}$/.test(account) && accountKeyOk('0' + bic.slice(4, 6) + account);
}

/** A dated value: applies from `validFrom` until the next row's date. */
export type Dated<T> = { validFrom: string; value: T };

/** The value in force on `date` (rows in any order), or undefined before the first row. */
export function inForce<T>(rows: Dated<T>[], date: string): T | undefined {
  let best: Dated<T> | undefined;
  for (const row of rows) if (row.validFrom <= date && (!best || row.validFrom > best.validFrom)) best = row;
  return best?.value;
}

/** A bill for `period` is due on the due day in force in the following month. */
export function dueDateFor(period: string, dueDays: Dated<number>[]): string {
  const next = addMonths(period, 1);
  const day = inForce(dueDays, next);
  if (day === undefined) throw new Error(`no due day in force for ${next}`);
  return dayOf(next, day);
}

/** Kopecks for quantity × tariff, rounded half-up to a kopeck. */
export function chargeFor(quantity: number, tariffKopecks: number): number {
  return Math.round((Math.round(quantity * 1000) * tariffKopecks) / 1000);
}
