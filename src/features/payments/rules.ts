// The «Оплата» form as a pure function: what the resident asked to pay, checked
// against what the account owes. Amounts are kopecks; the messages are the field's.
import { parseRubles } from '../../lib/decimal.js';
import { isCalendarDate } from '../../lib/calendar.js';
import type { PaymentMethod } from './tables.js';

export const METHODS: PaymentMethod[] = ['card', 'sbp', 'wallet'];

export type PaymentForm = {
  mode: string;
  amount: string;
  services: string[];
  amounts: Record<string, string>;
  period: string;
  method: string;
  saveCard: boolean;
  advance: boolean;
};

export type PaymentErrors = Partial<Record<'mode' | 'amount' | 'services' | 'period' | 'method' | 'advance' | `amount-${string}`, string>>;

export type PaymentRequest = {
  amountKopecks: number;
  /** Above what is owed (of the chosen services, or in total): an advance the resident confirmed. */
  advanceKopecks: number;
  items: { service: string; amountKopecks: number }[];
  forPeriod: string | null;
  method: PaymentMethod;
  saveCard: boolean;
};

export type DebtView = {
  totalKopecks: number;
  byService: Map<string, number>;
  periods: string[];
};

/** Largest payment taken at once: ten million rubles (an acquirer's usual single-payment cap). */
export const MAX_PAYMENT_KOPECKS = 10_000_000_00;

export function checkPaymentForm(form: PaymentForm, debt: DebtView): { errors: PaymentErrors; request: PaymentRequest | null; overKopecks: number } {
  const errors: PaymentErrors = {};
  let items: PaymentRequest['items'] = [];
  let amountKopecks = 0;
  let owed = debt.totalKopecks;
  if (form.mode === 'all') {
    const parsed = parseRubles(form.amount);
    if (!parsed.ok) errors.amount = parsed.error;
    else amountKopecks = parsed.value;
  } else if (form.mode === 'services') {
    const chosen = [...new Set(form.services)].filter((s) => debt.byService.has(s));
    if (chosen.length === 0) errors.services = 'Выберите хотя бы одну услугу';
    owed = 0;
    for (const service of chosen) {
      const parsed = parseRubles(form.amounts[service] ?? '');
      if (!parsed.ok) errors[`amount-${service}`] = parsed.error;
      else items.push({ service, amountKopecks: parsed.value });
      owed += debt.byService.get(service) ?? 0;
    }
    amountKopecks = items.reduce((sum, i) => sum + i.amountKopecks, 0);
  } else {
    errors.mode = 'Выберите, что оплатить: всё или отдельные услуги';
  }
  if (amountKopecks > MAX_PAYMENT_KOPECKS) errors.amount = 'Сумма одного платежа — не больше 10 000 000 ₽';
  const forPeriod = form.period === '' ? null : form.period;
  if (forPeriod !== null && (!isCalendarDate(forPeriod) || !debt.periods.includes(forPeriod))) errors.period = 'Выберите период из списка';
  if (!METHODS.includes(form.method as PaymentMethod)) errors.method = 'Выберите способ оплаты';
  const overKopecks = Math.max(0, amountKopecks - owed);
  if (Object.keys(errors).length === 0 && overKopecks > 0 && !form.advance) {
    errors.advance = 'Сумма больше задолженности. Подтвердите, что переплата пойдёт в счёт будущих начислений, или уменьшите сумму';
  }
  if (Object.keys(errors).length > 0) return { errors, request: null, overKopecks };
  if (form.mode === 'all') items = [];
  return {
    errors,
    overKopecks,
    request: {
      amountKopecks,
      advanceKopecks: overKopecks,
      items,
      forPeriod,
      method: form.method as PaymentMethod,
      saveCard: form.method === 'card' && form.saveCard,
    },
  };
}
