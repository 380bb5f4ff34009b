import { addDays, dayOf, periodOf } from '../../lib/calendar.js';
import { parseRubles } from '../../lib/decimal.js';
import { can, type AccountRights } from '../accounts/access.js';

// «Автоплатёж» rules: which day charges, how much, once a month, and the retries.

/**
 * Who may set up, change or cancel an account's auto-payment. Anyone who may pay sets
 * one up where there is none; an active one charges someone's card, so only whoever
 * set it up or the account's owner changes or cancels it, never another co-owner.
 */
export function mayChangeAutopayment(rights: AccountRights, current: { setBySelf: boolean } | null): boolean {
  if (!can(rights, 'pay')) return false;
  return current === null || current.setBySelf || rights === 'owner';
}

/** Why a co-owner who may pay still cannot change this one. */
export const SET_BY_ANOTHER = 'Этот автоплатёж настроил другой житель со своей карты: изменить или отменить его может он или владелец лицевого счёта.';

/** A failed charge is tried again at most twice, a day apart: three attempts in all. */
export const MAX_ATTEMPTS = 3;

/** The charge date of the month `today` falls in. */
export function chargeDateOf(today: string, chargeDay: number): string {
  return dayOf(periodOf(today), chargeDay);
}

/** Today is the charge day: the month's charge is started. */
export function isChargeDay(today: string, chargeDay: number): boolean {
  return chargeDateOf(today, chargeDay) === today;
}

/** Tomorrow is the charge day: the resident is told today. */
export function isReminderDay(today: string, chargeDay: number): boolean {
  const tomorrow = addDays(today, 1);
  return chargeDateOf(tomorrow, chargeDay) === tomorrow;
}

export type ChargeDecision = { kind: 'nothing_due' } | { kind: 'over_limit'; amountKopecks: number } | { kind: 'charge'; amountKopecks: number };

/** The whole amount due is charged if it is within the limit; otherwise nothing is charged. */
export function decideCharge(amountDueKopecks: number, maxKopecks: number): ChargeDecision {
  if (amountDueKopecks <= 0) return { kind: 'nothing_due' };
  if (amountDueKopecks > maxKopecks) return { kind: 'over_limit', amountKopecks: amountDueKopecks };
  return { kind: 'charge', amountKopecks: amountDueKopecks };
}

/** After a declined attempt: the date of the next one, or null when the attempts are used up. */
export function nextAttemptAfterFailure(attempts: number, today: string): string | null {
  return attempts < MAX_ATTEMPTS ? addDays(today, 1) : null;
}

export type SettingsForm = { chargeDay: string; maxAmount: string };
export type SettingsErrors = Partial<Record<'chargeDay' | 'maxAmount', string>>;

/** «День списания» 1–28 (every month has it) and «Максимальная сумма» in rubles. */
export function checkSettings(form: SettingsForm): { errors: SettingsErrors; settings: { chargeDay: number; maxKopecks: number } | null } {
  const errors: SettingsErrors = {};
  const day = form.chargeDay.trim();
  const chargeDay = /^\d{1,2}$/.test(day) ? Number(day) : NaN;
  if (!(chargeDay >= 1 && chargeDay <= 28)) errors.chargeDay = 'Выберите день списания от 1 до 28';
  const max = parseRubles(form.maxAmount);
  if (!max.ok) errors.maxAmount = max.error;
  else if (max.value > 1_000_000_00) errors.maxAmount = 'Максимальная сумма — не больше 1 000 000 ₽';
  if (Object.keys(errors).length > 0 || !max.ok) return { errors, settings: null };
  return { errors, settings: { chargeDay, maxKopecks: max.value } };
}
