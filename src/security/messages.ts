import type { CheckResult } from './one-time-codes.js';

// What forms say about one-time codes, on every page that asks for one.

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
