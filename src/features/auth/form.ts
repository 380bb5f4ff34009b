import type { CheckResult } from '../one-time-codes/service.js';

// Form helpers and field messages shared by the sign-in and the profile pages.

/** A text field of a urlencoded form; anything else (missing, repeated) reads as empty. */
export function field(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

export function emailError(typed: string): string {
  return typed ? 'Введите адрес электронной почты в формате name@example.ru' : 'Введите адрес электронной почты';
}

export function phoneError(typed: string): string {
  return typed ? 'Введите номер телефона в формате +7 916 123-45-67' : 'Введите номер телефона';
}

export const CODE_ERRORS: Record<Exclude<CheckResult, 'ok'>, string> = {
  wrong: 'Неверный код. Проверьте его и введите ещё раз',
  expired: 'Срок действия кода истёк. Отправьте код ещё раз',
  'too-many-tries': 'Код введён неверно 5 раз и больше не действует. Отправьте код ещё раз',
  'no-code': 'Сначала получите код',
};

/** Why no new code was sent (the sentence before "Попробуйте снова через …"). */
export const CODE_REFUSALS = {
  'too-soon': 'Новый код пока нельзя отправить.',
  'daily-limit': 'За сутки отправлено слишком много кодов.',
} as const;
