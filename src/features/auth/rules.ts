import type { Limit } from '../../security/rate-limits.js';

// Pure rules of the resident account: how long links, locks and limits last.

export const CONFIRMATION_TTL_MS = 24 * 3600_000;
export const RESET_TTL_MS = 3600_000;
export const EMAIL_CHANGE_TTL_MS = 24 * 3600_000;
export const TRUSTED_DEVICE_TTL_MS = 30 * 24 * 3600_000;
/** Between the password step and the code step of a sign-in. */
export const PENDING_SIGN_IN_TTL_MS = 15 * 60_000;
export const MAX_WRONG_PASSWORDS = 10;
export const LOCK_MS = 15 * 60_000;

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
