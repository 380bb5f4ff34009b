import { parsePhoneNumberFromString } from 'libphonenumber-js';

// What a valid email address and phone number are, how they are shown masked, and
// what a form says when one is wrong.

/** Trimmed and lower-cased, or null when it does not look like an address. */
export function normaliseEmail(input: string): string | null {
  const email = input.trim().toLowerCase();
  if (email.length > 254) return null;
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) ? email : null;
}

/** "8 (916) 123-45-67" → "+79161234567"; Russia is assumed when there is no country code. */
export function normalisePhone(input: string): string | null {
  const phone = parsePhoneNumberFromString(input.trim(), 'RU');
  return phone && phone.isValid() ? phone.number : null;
}

/** "+79161234567" → "+7 916 ***-**-67", to show where a code went without the whole number. */
export function maskPhone(phone: string): string {
  return phone.length < 6 ? phone : `${phone.slice(0, 2)} ${phone.slice(2, 5)} ***-**-${phone.slice(-2)}`;
}

/** "ivan.petrov@mail.ru" → "iv***@mail.ru". */
export function maskEmail(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  return `${local.slice(0, 2)}***@${domain}`;
}

export function emailError(typed: string): string {
  return typed ? 'Введите адрес электронной почты в формате name@example.ru' : 'Введите адрес электронной почты';
}

export function phoneError(typed: string): string {
  return typed ? 'Введите номер телефона в формате +7 916 123-45-67' : 'Введите номер телефона';
}

