import { randomBytes } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { sendEmailLater, sendSmsLater } from '../../messaging/service.js';
import { dummyPasswordHash, hashPassword, verifyPassword } from '../../security/passwords.js';
import { checkCode, issueCode, openCode, type CheckResult, type IssueResult } from '../../security/one-time-codes.js';
import { consumeToken, issueToken, peekToken, revokeTokens } from '../../security/tokens.js';
import {
  alreadyRegisteredEmail, confirmationEmail, lockedEmail, passwordChangedEmail, resetEmail, signInCodeEmail, signInCodeSms,
} from './messages.js';
import { CONFIRMATION_TTL_MS, LOCK_MS, MAX_WRONG_PASSWORDS, RESET_TTL_MS, TRUSTED_DEVICE_TTL_MS } from './rules.js';
import { safeNext } from '../../security/redirects.js';
import { sha256Hex } from '../../lib/hash.js';

type Db = Kysely<Database>;

const CONFIRMATION = 'email-confirmation';
const RESET = 'password-reset';
const SIGN_IN = 'sign-in';

function byEmail(email: string) {
  return sql<boolean>`lower(email) = ${email.toLowerCase()}`;
}

/** `next` (where to go after the first sign-in, e.g. an invitation) rides along with the link. */
async function sendConfirmation(trx: Transaction<Database>, resident: { id: number; email: string }, next: string, now: Date, publicUrl: string) {
  await revokeTokens(trx, { purpose: CONFIRMATION, subjectId: resident.id, now });
  const { token } = await issueToken(trx, { purpose: CONFIRMATION, subjectId: resident.id, ttlMs: CONFIRMATION_TTL_MS, now, data: { next } });
  await sendEmailLater(trx, { to: resident.email, ...confirmationEmail(`${publicUrl}/register/confirm?token=${token}`) });
}

/**
 * Creates the account and mails the confirmation link. When the address is taken,
 * its owner is told instead; the caller sees no difference, and the password is
 * hashed either way so the two cases take the same time.
 */
export async function signUp(
  trx: Transaction<Database>,
  input: { email: string; phone: string; passwordHash: string; next: string; now: Date; publicUrl: string },
): Promise<void> {
  const created = await trx
    .insertInto('residents')
    .values({ email: input.email, phone: input.phone, password_hash: input.passwordHash, created_at: input.now })
    .onConflict((oc) => oc.expression(sql`lower(email)`).doNothing())
    .returning(['id', 'email'])
    .executeTakeFirst();
  if (created) await sendConfirmation(trx, created, input.next, input.now, input.publicUrl);
  else await sendEmailLater(trx, { to: input.email, ...alreadyRegisteredEmail(input.publicUrl) });
}

/** A new link for an account that is not confirmed yet; silently nothing otherwise. */
export async function resendConfirmation(trx: Transaction<Database>, input: { email: string; next: string; now: Date; publicUrl: string }): Promise<void> {
  const resident = await trx
    .selectFrom('residents')
    .select(['id', 'email'])
    .where(byEmail(input.email))
    .where('email_confirmed_at', 'is', null)
    .executeTakeFirst();
  if (resident) await sendConfirmation(trx, resident, input.next, input.now, input.publicUrl);
}

export async function isConfirmationLinkValid(db: Db, token: string, now: Date): Promise<boolean> {
  return (await peekToken(db, { purpose: CONFIRMATION, token, now })) !== null;
}

/** Uses the link up and confirms the address (the simplified identity level); null when the link is no longer valid. */
export async function confirmEmail(trx: Transaction<Database>, token: string, now: Date): Promise<{ next: string } | null> {
  const used = await consumeToken(trx, { purpose: CONFIRMATION, token, now });
  if (!used) return null;
  await trx
    .updateTable('residents')
    .set({ email_confirmed_at: now })
    .where('id', '=', used.subjectId)
    .where('email_confirmed_at', 'is', null)
    .execute();
  return { next: safeNext(used.data.next) };
}

export type PasswordCheck =
  | { kind: 'ok'; residentId: number; passwordStamp: string }
  | { kind: 'wrong' }
  | { kind: 'locked'; retryAfterMs: number }
  | { kind: 'unconfirmed' };

/**
 * The first step of sign-in. Wrong passwords are counted per address, known or
 * not, and the tenth locks it for 15 minutes (the owner of a real account is
 * told by email); an unknown address costs the same hashing time as a known one.
 */
export async function checkPassword(
  trx: Transaction<Database>,
  input: { email: string; password: string; now: Date; publicUrl: string },
): Promise<PasswordCheck> {
  const failures = await trx.selectFrom('sign_in_failures').select('locked_until').where('email', '=', input.email).executeTakeFirst();
  if (failures?.locked_until && failures.locked_until > input.now) {
    return { kind: 'locked', retryAfterMs: failures.locked_until.getTime() - input.now.getTime() };
  }
  const resident = await trx
    .selectFrom('residents')
    .select(['id', 'email', 'password_hash', 'email_confirmed_at'])
    .where(byEmail(input.email))
    .executeTakeFirst();
  const matches = await verifyPassword(resident?.password_hash ?? (await dummyPasswordHash()), input.password);
  if (!resident || !matches) return countWrongPassword(trx, input, resident);
  if (failures) await trx.deleteFrom('sign_in_failures').where('email', '=', input.email).execute();
  if (!resident.email_confirmed_at) return { kind: 'unconfirmed' };
  return { kind: 'ok', residentId: resident.id, passwordStamp: stampOf(resident.password_hash) };
}

/** Changes whenever the password is set (the hash has a fresh salt), without revealing the hash. */
function stampOf(passwordHash: string | null): string {
  return sha256Hex(passwordHash ?? '').slice(0, 32);
}

/** The stamp of the resident's current password, to see that it has not changed since the password step. */
export async function passwordStamp(db: Db, residentId: number): Promise<string | undefined> {
  const row = await db.selectFrom('residents').select('password_hash').where('id', '=', residentId).executeTakeFirst();
  return row && stampOf(row.password_hash);
}

async function countWrongPassword(
  trx: Transaction<Database>,
  input: { email: string; now: Date; publicUrl: string },
  resident: { email: string } | undefined,
): Promise<PasswordCheck> {
  const dayAgo = new Date(input.now.getTime() - 24 * 3600_000);
  const row = await trx
    .insertInto('sign_in_failures')
    .values({ email: input.email, failures: 1, updated_at: input.now })
    .onConflict((oc) =>
      oc.column('email').doUpdateSet({
        // A quiet day forgives earlier mistakes.
        failures: sql<number>`case when sign_in_failures.updated_at > ${dayAgo} then sign_in_failures.failures + 1 else 1 end`,
        updated_at: input.now,
      }),
    )
    .returning('failures')
    .executeTakeFirstOrThrow();
  if (row.failures < MAX_WRONG_PASSWORDS) return { kind: 'wrong' } as const;
  await trx
    .updateTable('sign_in_failures')
    .set({ failures: 0, locked_until: new Date(input.now.getTime() + LOCK_MS) })
    .where('email', '=', input.email)
    .execute();
  if (resident) await sendEmailLater(trx, { to: resident.email, ...lockedEmail(input.publicUrl) });
  return { kind: 'locked', retryAfterMs: LOCK_MS } as const;
}

export type Channel = 'email' | 'sms';

/** Where the sign-in code can go, for the choice "Куда отправить код". */
export async function codeDestinations(db: Db, residentId: number): Promise<{ email: string; sms: string }> {
  const resident = await db.selectFrom('residents').select(['email', 'phone']).where('id', '=', residentId).executeTakeFirstOrThrow();
  return { email: resident.email, sms: resident.phone };
}

export async function sendSignInCode(
  trx: Transaction<Database>,
  input: { residentId: number; channel: Channel; now: Date; secret: string },
): Promise<IssueResult> {
  const destinations = await codeDestinations(trx, input.residentId);
  const destination = destinations[input.channel];
  const issued = await issueCode(trx, { purpose: SIGN_IN, subjectId: input.residentId, channel: input.channel, destination, now: input.now, secret: input.secret });
  if (issued.ok) {
    if (input.channel === 'email') await sendEmailLater(trx, { to: destination, ...signInCodeEmail(issued.code) });
    else await sendSmsLater(trx, { to: destination, text: signInCodeSms(issued.code) });
  }
  return issued;
}

export function checkSignInCode(trx: Transaction<Database>, input: { residentId: number; code: string; now: Date; secret: string }): Promise<CheckResult> {
  return checkCode(trx, { purpose: SIGN_IN, subjectId: input.residentId, code: input.code, now: input.now, secret: input.secret });
}

/** The newest open sign-in code, to show where it went and when another may be sent. */
export function openSignInCode(db: Db, residentId: number) {
  return openCode(db, { purpose: SIGN_IN, subjectId: residentId });
}

/** Remembers this browser for 30 days; the cookie holds the token, the database only its hash. */
export async function trustDevice(db: Db, input: { residentId: number; userAgent: string | null; now: Date }): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db
    .insertInto('trusted_devices')
    .values({
      resident_id: input.residentId,
      token_hash: sha256Hex(token),
      user_agent: input.userAgent,
      expires_at: new Date(input.now.getTime() + TRUSTED_DEVICE_TTL_MS),
      created_at: input.now,
    })
    .execute();
  return token;
}

export async function isTrustedDevice(db: Db, input: { residentId: number; token: string | undefined; now: Date }): Promise<boolean> {
  if (!input.token) return false;
  const row = await db
    .selectFrom('trusted_devices')
    .select('id')
    .where('token_hash', '=', sha256Hex(input.token))
    .where('resident_id', '=', input.residentId)
    .where('expires_at', '>', input.now)
    .executeTakeFirst();
  return row !== undefined;
}

/** Mails a reset link when the address has an account; the caller answers the same either way. */
export async function requestPasswordReset(trx: Transaction<Database>, input: { email: string; now: Date; publicUrl: string }): Promise<void> {
  const resident = await trx.selectFrom('residents').select(['id', 'email']).where(byEmail(input.email)).executeTakeFirst();
  if (!resident) return;
  await revokeTokens(trx, { purpose: RESET, subjectId: resident.id, now: input.now });
  const { token } = await issueToken(trx, { purpose: RESET, subjectId: resident.id, ttlMs: RESET_TTL_MS, now: input.now });
  await sendEmailLater(trx, { to: resident.email, ...resetEmail(`${input.publicUrl}/password-reset/new?token=${token}`) });
}

/** Voids reset links already mailed, e.g. to an address the resident has just left. */
export async function revokePasswordResets(trx: Transaction<Database>, residentId: number, now: Date): Promise<void> {
  await revokeTokens(trx, { purpose: RESET, subjectId: residentId, now });
}

/** Whose password a reset link would change (for the form and the password policy), or null. */
export async function resetLinkOwner(db: Db, token: string, now: Date): Promise<{ email: string } | null> {
  const open = await peekToken(db, { purpose: RESET, token, now });
  if (!open) return null;
  return (await db.selectFrom('residents').select('email').where('id', '=', open.subjectId).executeTakeFirst()) ?? null;
}

/**
 * Ends every session of the resident but `keepSid` (the one asking, if any), and
 * forgets trusted devices: after a password change nobody else stays signed in.
 */
async function endOtherSessions(trx: Transaction<Database>, residentId: number, keepSid?: string): Promise<void> {
  let sessions = trx.deleteFrom('sessions').where('area', '=', 'resident').where('resident_id', '=', residentId);
  if (keepSid) sessions = sessions.where('sid', '<>', keepSid);
  await sessions.execute();
  await trx.deleteFrom('trusted_devices').where('resident_id', '=', residentId).execute();
}

/** Sets the new password, ends every other session and tells the owner. */
export async function setPassword(
  trx: Transaction<Database>,
  input: { residentId: number; passwordHash: string; keepSid?: string; publicUrl: string },
): Promise<void> {
  const resident = await trx
    .updateTable('residents')
    .set({ password_hash: input.passwordHash })
    .where('id', '=', input.residentId)
    .returning('email')
    .executeTakeFirstOrThrow();
  await endOtherSessions(trx, input.residentId, input.keepSid);
  await trx.deleteFrom('sign_in_failures').where('email', '=', resident.email.toLowerCase()).execute();
  await sendEmailLater(trx, { to: resident.email, ...passwordChangedEmail(input.publicUrl) });
}

/** Uses the reset link up and sets the new password; false when the link is no longer valid. */
export async function resetPassword(
  trx: Transaction<Database>,
  input: { token: string; passwordHash: string; now: Date; keepSid?: string; publicUrl: string },
): Promise<boolean> {
  const used = await consumeToken(trx, { purpose: RESET, token: input.token, now: input.now });
  if (!used) return false;
  // The link came to the address, so the address is proven too.
  await trx.updateTable('residents').set({ email_confirmed_at: input.now }).where('id', '=', used.subjectId).where('email_confirmed_at', 'is', null).execute();
  await setPassword(trx, { residentId: used.subjectId, passwordHash: input.passwordHash, keepSid: input.keepSid, publicUrl: input.publicUrl });
  return true;
}

/** Old rate-limit windows, forgotten failures, expired trusted devices. Safe to run twice. */
export async function cleanUpAuthRecords(db: Db, now: Date): Promise<void> {
  const dayAgo = new Date(now.getTime() - 24 * 3600_000);
  await db.deleteFrom('rate_limits').where('window_started_at', '<', dayAgo).execute();
  await db
    .deleteFrom('sign_in_failures')
    .where('updated_at', '<', dayAgo)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
    .execute();
  await db.deleteFrom('trusted_devices').where('expires_at', '<', now).execute();
  // Compared with the database's clock, as the session store does when it loads one.
  await db.deleteFrom('sessions').where('expires_at', '<', sql<Date>`now()`).execute();
}
