// The sandbox acquirer's card rules, as pure functions: what a real acquirer's
// test environment does with its published test cards.

/** Digits only: spaces and dashes as people type them are dropped. */
export function cardDigits(raw: string): string {
  return raw.replace(/[\s-]/g, '');
}

/** The Luhn check digit rule (ISO/IEC 7812). */
export function luhnValid(digits: string): boolean {
  if (!/^\d{12,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** «ММ/ГГ»: the card is valid through the last day of that month (Moscow date `today`). */
export function expiryError(raw: string, today: string): string | null {
  const match = /^\s*(\d{2})\s*\/\s*(\d{2})\s*$/.exec(raw);
  if (!match) return 'Введите срок действия в формате ММ/ГГ, например 12/28';
  const month = Number(match[1]);
  if (month < 1 || month > 12) return 'Месяц срока действия — от 01 до 12';
  const expires = `20${match[2]}-${match[1]}`;
  if (expires < today.slice(0, 7)) return 'Срок действия карты истёк';
  return null;
}

export type CardOutcome = 'approve' | 'decline' | 'three_ds';

export const TEST_CARDS = {
  approved: '4111111111111111',
  declined: '4000000000000002',
  threeDs: '4000000000003220',
} as const;

/** What the sandbox decides for a card that passed the checks. Any other valid number is approved. */
export function cardOutcome(digits: string): CardOutcome {
  if (digits === TEST_CARDS.declined) return 'decline';
  if (digits === TEST_CARDS.threeDs) return 'three_ds';
  return 'approve';
}

export type CardForm = { number: string; expiry: string; cvc: string };
export type CardErrors = Partial<Record<keyof CardForm, string>>;

export function validateCard(form: CardForm, today: string): CardErrors {
  const errors: CardErrors = {};
  const digits = cardDigits(form.number);
  if (digits === '') errors.number = 'Введите номер карты';
  else if (!/^\d{12,19}$/.test(digits)) errors.number = 'Номер карты — от 12 до 19 цифр';
  else if (!luhnValid(digits)) errors.number = 'Номер карты введён с ошибкой: проверьте цифры';
  const expiry = expiryError(form.expiry, today);
  if (expiry) errors.expiry = expiry;
  if (!/^\d{3}$/.test(form.cvc.trim())) errors.cvc = 'CVC — три цифры с обратной стороны карты';
  return errors;
}
