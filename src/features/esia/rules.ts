import { isCalendarDate } from '../../lib/calendar.js';
import { normaliseEmail, normalisePhone } from '../../security/contacts.js';
import type { Limit } from '../../security/rate-limits.js';
import type { TrustLevel } from './tables.js';

// Pure rules of signing in through Госуслуги: what is asked for, how the answer is
// read, what is kept of it, and what the resident is told.

/** The ЕСИА scopes the cabinet asks for. */
export const ESIA_SCOPE = 'openid fullname birthdate snils id_doc email mobile';

/** Between pressing the button and coming back from ЕСИА. */
export const ESIA_FLOW_TTL_MS = 10 * 60_000;
/** Between coming back as a new person and accepting the terms. */
export const ESIA_SIGN_UP_TTL_MS = 15 * 60_000;

export const ESIA_LIMITS = {
  startPerIp: { name: 'esia-start:ip', max: 30, windowMs: 15 * 60_000 },
  callbackPerIp: { name: 'esia-callback:ip', max: 30, windowMs: 15 * 60_000 },
} satisfies Record<string, Limit>;

/** What the cabinet learns about a person from ЕСИА, already reduced to what it keeps. */
export type EsiaPerson = {
  subject: string;
  trustLevel: TrustLevel;
  lastName: string | null;
  firstName: string | null;
  middleName: string | null;
  birthDate: string | null;
  /** Verified by ЕСИА, or null. */
  email: string | null;
  phone: string | null;
  snilsMasked: string | null;
  passportMasked: string | null;
};

function text(value: unknown, max = 100): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' || trimmed.length > max || /[\u0000-\u001f\u007f]/.test(trimmed) ? null : trimmed;
}

function isTrustLevel(value: unknown): value is TrustLevel {
  return value === 'simplified' || value === 'standard' || value === 'confirmed';
}

/** "112-233-445 95" → "***-***-445 95": enough to recognise one's own number, not to use it. */
export function maskSnils(snils: unknown): string | null {
  const digits = typeof snils === 'string' ? snils.replace(/\D/g, '') : '';
  if (!/^\d{11}$/.test(digits)) return null;
  return `***-***-${digits.slice(6, 9)} ${digits.slice(9)}`;
}

/** A Russian passport, series "4510" and number "123456" → "45** ***456". */
export function maskPassport(doc: unknown): string | null {
  if (typeof doc !== 'object' || doc === null) return null;
  const { type, series, number } = doc as Record<string, unknown>;
  if (type !== 'RF_PASSPORT' || typeof series !== 'string' || typeof number !== 'string') return null;
  if (!/^\d{4}$/.test(series) || !/^\d{6}$/.test(number)) return null;
  return `${series.slice(0, 2)}** ***${number.slice(3)}`;
}

/**
 * Reads the UserInfo answer. Only verified contacts count, names and dates must be
 * plain and well-formed; the full СНИЛС and passport number are dropped here.
 * Null when the answer lacks a subject or a level.
 */
export function personFromClaims(claims: Record<string, unknown>): EsiaPerson | null {
  const subject = text(claims.sub, 255);
  if (!subject || !isTrustLevel(claims.trust_level)) return null;
  const birthDate = typeof claims.birthdate === 'string' && isCalendarDate(claims.birthdate) ? claims.birthdate : null;
  const email = claims.email_verified === true && typeof claims.email === 'string' ? normaliseEmail(claims.email) : null;
  const phone = claims.phone_number_verified === true && typeof claims.phone_number === 'string' ? normalisePhone(claims.phone_number) : null;
  return {
    subject,
    trustLevel: claims.trust_level,
    lastName: text(claims.family_name),
    firstName: text(claims.given_name),
    middleName: text(claims.middle_name),
    birthDate,
    email,
    phone,
    snilsMasked: maskSnils(claims.snils),
    passportMasked: maskPassport(claims.id_doc),
  };
}

/**
 * The personal data that confirms the resident's identity, or null when ЕСИА does
 * not vouch for the person (not its confirmed level) or something is missing.
 */
export function confirmedIdentity(person: EsiaPerson): { lastName: string; firstName: string; middleName: string | null; birthDate: string } | null {
  if (person.trustLevel !== 'confirmed' || !person.lastName || !person.firstName || !person.birthDate) return null;
  return { lastName: person.lastName, firstName: person.firstName, middleName: person.middleName, birthDate: person.birthDate };
}

export const TRUST_LEVEL_NAMES: Record<TrustLevel, string> = {
  confirmed: 'подтверждённая',
  standard: 'стандартная',
  simplified: 'упрощённая',
};

/** Why a Госуслуги account that is not confirmed does not confirm the resident, and what to do. */
export function missingForConfirmation(level: TrustLevel): string {
  const what =
    level === 'simplified'
      ? 'В ней нет проверенных паспортных данных и СНИЛС.'
      : 'Паспорт и СНИЛС в ней проверены, но личность не подтверждена лично.';
  return (
    `Ваша учётная запись на Госуслугах — ${TRUST_LEVEL_NAMES[level]}. ${what} ` +
    'Чтобы подключать лицевые счета и оплачивать услуги, подтвердите личность: загрузите документы в разделе «Подтверждение личности» ' +
    'или подтвердите учётную запись на Госуслугах (в центре обслуживания, через онлайн-банк или электронной подписью) и войдите через Госуслуги снова.'
  );
}

/** "Иванов Иван Иванович". */
export function fullName(person: { lastName: string | null; firstName: string | null; middleName: string | null }): string {
  return [person.lastName, person.firstName, person.middleName].filter(Boolean).join(' ');
}
