import { readFileSync } from 'node:fs';
import { parsePhoneNumberFromString } from 'libphonenumber-js';

// Pure rules of the resident account: what a valid email, phone and password are,
// and how long links, locks and limits last.

export const CONFIRMATION_TTL_MS = 24 * 3600_000;
export const RESET_TTL_MS = 3600_000;
export const EMAIL_CHANGE_TTL_MS = 24 * 3600_000;
export const TRUSTED_DEVICE_TTL_MS = 30 * 24 * 3600_000;
/** Between the password step and the code step of a sign-in. */
export const PENDING_SIGN_IN_TTL_MS = 15 * 60_000;
export const MAX_WRONG_PASSWORDS = 10;
export const LOCK_MS = 15 * 60_000;

export const MIN_PASSWORD_LENGTH = 10;
/** Far above any real password; keeps a hash request from carrying megabytes. */
export const MAX_PASSWORD_LENGTH = 256;

export type Limit = { name: string; max: number; windowMs: number };

/** Per account (keyed by the address typed, existing or not) and per IP address. */
export const LIMITS = {
  signInPerAccount: { name: 'sign-in:account', max: 20, windowMs: 15 * 60_000 },
  signInPerIp: { name: 'sign-in:ip', max: 50, windowMs: 15 * 60_000 },
  codeCheckPerIp: { name: 'code-check:ip', max: 30, windowMs: 15 * 60_000 },
  codeSendPerIp: { name: 'code-send:ip', max: 20, windowMs: 3600_000 },
  signUpPerAccount: { name: 'sign-up:account', max: 3, windowMs: 3600_000 },
  signUpPerIp: { name: 'sign-up:ip', max: 10, windowMs: 3600_000 },
  confirmationPerAccount: { name: 'confirmation:account', max: 3, windowMs: 3600_000 },
  confirmationPerIp: { name: 'confirmation:ip', max: 10, windowMs: 3600_000 },
  resetPerAccount: { name: 'reset:account', max: 3, windowMs: 3600_000 },
  resetPerIp: { name: 'reset:ip', max: 10, windowMs: 3600_000 },
  passwordCheckPerAccount: { name: 'password-check:account', max: 10, windowMs: 15 * 60_000 },
  emailChangePerAccount: { name: 'email-change:account', max: 3, windowMs: 3600_000 },
} satisfies Record<string, Limit>;

const commonPasswords = new Set(
  readFileSync(new URL('./common-passwords.txt', import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#')),
);

export function isCommonPassword(password: string): boolean {
  return commonPasswords.has(password.toLowerCase());
}

export function commonPasswordCount(): number {
  return commonPasswords.size;
}

/** Why the password is not acceptable, in Russian, or null when it is. */
export function passwordProblem(password: string, email: string): string | null {
  const length = [...password].length;
  if (length === 0) return 'Введите пароль';
  if (length < MIN_PASSWORD_LENGTH) return `Пароль должен быть не короче ${MIN_PASSWORD_LENGTH} символов`;
  if (length > MAX_PASSWORD_LENGTH) return `Пароль должен быть не длиннее ${MAX_PASSWORD_LENGTH} символов`;
  const lower = password.toLowerCase();
  const address = email.trim().toLowerCase();
  if (address !== '' && (lower === address || lower === address.split('@')[0])) {
    return 'Пароль не должен совпадать с адресом электронной почты';
  }
  if (isCommonPassword(password)) return 'Этот пароль слишком распространён, его легко подобрать. Придумайте другой';
  return null;
}

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

/**
 * Where to go after sign-in: only a path on this site, never "//evil.example".
 * Browsers drop tabs and line breaks from a URL and read a backslash as "/",
 * so "/<TAB>/evil.example" would leave the site too: such characters are refused anywhere.
 */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || /[\u0000-\u001f\u007f\\]/.test(next)) return '/';
  return next;
}

/** A short description of the browser and system, for the list of sessions. */
export function describeDevice(userAgent: string | null | undefined): string {
  if (!userAgent) return 'Неизвестное устройство';
  const browser =
    /YaBrowser\//.test(userAgent) ? 'Яндекс Браузер'
    : /Edg\//.test(userAgent) ? 'Edge'
    : /OPR\//.test(userAgent) ? 'Opera'
    : /Firefox\//.test(userAgent) ? 'Firefox'
    : /Chrome\//.test(userAgent) ? 'Chrome'
    : /Safari\//.test(userAgent) ? 'Safari'
    : null;
  const system =
    /Android/.test(userAgent) ? 'Android'
    : /iPhone|iPad/.test(userAgent) ? 'iOS'
    : /Windows/.test(userAgent) ? 'Windows'
    : /Mac OS X/.test(userAgent) ? 'macOS'
    : /Linux/.test(userAgent) ? 'Linux'
    : null;
  if (!browser && !system) return userAgent.slice(0, 60);
  return [browser, system].filter(Boolean).join(', ');
}
