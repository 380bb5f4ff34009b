import { field } from '../../plugins/input.js';
import type { CheckResult } from '../one-time-codes/service.js';
import { passwordProblem } from './rules.js';

// Field messages shared by the sign-in and the profile pages (and the staff invitation).

/**
 * The «Пароль» / «Повторите пароль» pair of a form: the message for the first field
 * that is wrong, keyed by its name, or nothing. `email` is the account's address,
 * which the password must not repeat.
 */
export function newPasswordErrors(body: unknown, email: string): Partial<Record<'password' | 'password_repeat', string>> {
  const password = field(body, 'password');
  const problem = passwordProblem(password, email);
  if (problem) return { password: problem };
  if (field(body, 'password_repeat') !== password) return { password_repeat: 'Пароли не совпадают' };
  return {};
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
