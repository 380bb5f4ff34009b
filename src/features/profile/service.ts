import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { sendEmailLater, sendSmsLater } from '../../messaging/service.js';
import { verifyPassword } from '../../security/passwords.js';
import { emailChangeEmail, emailChangeNoticeEmail, phoneChangeSms } from '../auth/messages.js';
import { EMAIL_CHANGE_TTL_MS, describeDevice } from '../auth/rules.js';
import { revokePasswordResets } from '../auth/service.js';
import { checkCodeIn, issueCode, openCode, type CheckResult, type IssueResult } from '../../security/one-time-codes.js';
import { consumeToken, issueToken, peekToken, revokeTokens } from '../../security/tokens.js';
import { sha256Hex } from '../../lib/hash.js';

type Db = Kysely<Database>;

const PHONE_CHANGE = 'phone-change';
const EMAIL_CHANGE = 'email-change';

/** `confirmedName`: set once the identity is confirmed; it changes only through a new verification. */
export type Profile = {
  email: string;
  phone: string;
  emailConfirmedAt: Date | null;
  confirmedName: { fullName: string; birthDate: string | null; source: 'documents' | 'esia' | null } | null;
};

export async function profileOf(db: Db, residentId: number): Promise<Profile> {
  const row = await db
    .selectFrom('residents')
    .select(['email', 'phone', 'email_confirmed_at', 'last_name', 'first_name', 'middle_name', 'birth_date', 'identity_source'])
    .where('id', '=', residentId)
    .executeTakeFirstOrThrow();
  return {
    email: row.email,
    phone: row.phone,
    emailConfirmedAt: row.email_confirmed_at,
    confirmedName:
      row.last_name && row.first_name
        ? { fullName: [row.last_name, row.first_name, row.middle_name].filter(Boolean).join(' '), birthDate: row.birth_date, source: row.identity_source }
        : null,
  };
}

// A session is named on the page by a hash of its id: the id itself is a secret.
function sessionHandle(sid: string): string {
  return sha256Hex(sid).slice(0, 32);
}

export type ActiveSession = {
  handle: string; device: string; ip: string | null; startedAt: Date; lastSeenAt: Date; current: boolean; method: 'password' | 'esia';
};

/** How the session was signed in, as the session data records it. */
function signInMethodOf(data: unknown): 'password' | 'esia' {
  return typeof data === 'object' && data !== null && 'signInMethod' in data && data.signInMethod === 'esia' ? 'esia' : 'password';
}

/** The resident's sessions that have not expired, the current one first, then by last activity. */
export async function activeSessions(db: Db, input: { residentId: number; currentSid: string; now: Date }): Promise<ActiveSession[]> {
  const rows = await db
    .selectFrom('sessions')
    .select(['sid', 'user_agent', 'ip', 'created_at', 'updated_at', 'data'])
    .where('area', '=', 'resident')
    .where('resident_id', '=', input.residentId)
    .where('expires_at', '>', input.now)
    .orderBy('updated_at', 'desc')
    .orderBy('sid')
    .execute();
  return rows
    .map((row) => ({
      handle: sessionHandle(row.sid),
      device: describeDevice(row.user_agent),
      ip: row.ip,
      startedAt: row.created_at,
      lastSeenAt: row.updated_at,
      current: row.sid === input.currentSid,
      method: signInMethodOf(row.data),
    }))
    .sort((a, b) => Number(b.current) - Number(a.current));
}

/** Ends one of the resident's other sessions; false when there is no such session of theirs. */
export async function endSession(db: Db, input: { residentId: number; handle: string; currentSid: string }): Promise<boolean> {
  const sids = await db
    .selectFrom('sessions')
    .select('sid')
    .where('area', '=', 'resident')
    .where('resident_id', '=', input.residentId)
    .where('sid', '<>', input.currentSid)
    .execute();
  const match = sids.find((row) => sessionHandle(row.sid) === input.handle);
  if (!match) return false;
  await db.deleteFrom('sessions').where('sid', '=', match.sid).where('resident_id', '=', input.residentId).execute();
  return true;
}

/** Sends a code to the new number; the number changes only when the code comes back. */
export async function startPhoneChange(
  trx: Transaction<Database>,
  input: { residentId: number; phone: string; now: Date; secret: string },
): Promise<IssueResult> {
  const issued = await issueCode(trx, { purpose: PHONE_CHANGE, subjectId: input.residentId, channel: 'sms', destination: input.phone, now: input.now, secret: input.secret });
  if (issued.ok) await sendSmsLater(trx, { to: input.phone, text: phoneChangeSms(issued.code) });
  return issued;
}

/** The number waiting for its code, if any. */
export async function pendingPhone(db: Db, residentId: number): Promise<{ phone: string; sentAt: Date } | undefined> {
  const open = await openCode(db, { purpose: PHONE_CHANGE, subjectId: residentId });
  return open && { phone: open.destination, sentAt: open.createdAt };
}

export async function confirmPhoneChange(
  trx: Transaction<Database>,
  input: { residentId: number; code: string; now: Date; secret: string },
): Promise<CheckResult> {
  const checked = await checkCodeIn(trx, { purpose: PHONE_CHANGE, subjectId: input.residentId, code: input.code, now: input.now, secret: input.secret });
  // The number the matching code was sent to: a code proves only that one.
  if (checked.result === 'ok') await trx.updateTable('residents').set({ phone: checked.destination }).where('id', '=', input.residentId).execute();
  return checked.result;
}

export async function checkCurrentPassword(db: Db, residentId: number, password: string): Promise<boolean> {
  const row = await db.selectFrom('residents').select('password_hash').where('id', '=', residentId).executeTakeFirstOrThrow();
  // A resident who signed up through Госуслуги may have no password yet.
  return row.password_hash !== null && verifyPassword(row.password_hash, password);
}

/**
 * Mails a confirmation link to the new address and tells the old one. An address
 * that another account already has gets nothing, and the resident sees the same
 * answer, so the form does not reveal who is registered.
 */
export async function startEmailChange(trx: Transaction<Database>, input: { residentId: number; email: string; now: Date; publicUrl: string }): Promise<void> {
  const resident = await trx.selectFrom('residents').select('email').where('id', '=', input.residentId).executeTakeFirstOrThrow();
  const taken = await trx.selectFrom('residents').select('id').where(sql<boolean>`lower(email) = ${input.email}`).executeTakeFirst();
  await sendEmailLater(trx, { to: resident.email, ...emailChangeNoticeEmail(input.email, input.publicUrl) });
  if (taken) return;
  await revokeTokens(trx, { purpose: EMAIL_CHANGE, subjectId: input.residentId, now: input.now });
  const { token } = await issueToken(trx, {
    purpose: EMAIL_CHANGE, subjectId: input.residentId, ttlMs: EMAIL_CHANGE_TTL_MS, now: input.now, data: { email: input.email },
  });
  await sendEmailLater(trx, { to: input.email, ...emailChangeEmail(`${input.publicUrl}/email-change/confirm?token=${token}`) });
}

export async function isEmailChangeLinkValid(db: Db, token: string, now: Date): Promise<boolean> {
  return (await peekToken(db, { purpose: EMAIL_CHANGE, token, now })) !== null;
}

/**
 * Uses the link up and moves the account to the new, now confirmed, address; reset
 * links sent to the old one die. Another account may take the address between the
 * check and the update: the unique index then fails the transaction, which the
 * caller answers as 'taken' (see `isUniqueViolation`).
 */
export async function confirmEmailChange(trx: Transaction<Database>, input: { token: string; now: Date }): Promise<'ok' | 'invalid' | 'taken'> {
  const used = await consumeToken(trx, { purpose: EMAIL_CHANGE, token: input.token, now: input.now });
  const email = used && typeof used.data.email === 'string' ? used.data.email : null;
  if (!used || !email) return 'invalid';
  const taken = await trx.selectFrom('residents').select('id').where(sql<boolean>`lower(email) = ${email}`).executeTakeFirst();
  if (taken) return 'taken';
  await trx.updateTable('residents').set({ email, email_confirmed_at: input.now }).where('id', '=', used.subjectId).execute();
  // A reset link that went to the old address must not reopen the account through it.
  await revokePasswordResets(trx, used.subjectId, input.now);
  return 'ok';
}

/** Sets a new password (the current one already checked) and ends every other session. */

