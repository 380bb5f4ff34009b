import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { sendEmailLater } from '../../messaging/service.js';
import { checkCode, issueCode, openCode, type CheckResult, type IssueResult } from '../../security/one-time-codes.js';
import { dummyPasswordHash, verifyPassword } from '../../security/passwords.js';
import { matchingStep, newTotpKey, openKey, sealKey } from './totp.js';
import { recordAudit } from '../../audit/writer.js';
import { staffSignInCodeEmail } from './messages.js';

export const SIGN_IN_PURPOSE = 'staff-sign-in';

export type SignInCandidate = { id: number; email: string; totpEnabled: boolean };

/**
 * The first factor. Unknown address, wrong password, a staff member still invited
 * or switched off: all the same answer, after the same argon2 work.
 */
export async function checkStaffPassword(db: Kysely<Database>, email: string, password: string): Promise<{ staff: SignInCandidate | null; knownId: number | null }> {
  const row = await db
    .selectFrom('staff')
    .select(['id', 'email', 'password_hash', 'active', 'totp_enabled_at'])
    .where(sql<string>`lower(email)`, '=', email.toLowerCase())
    .executeTakeFirst();
  const usable = row && row.active && row.password_hash !== null ? row : undefined;
  const matches = await verifyPassword(usable?.password_hash ?? (await dummyPasswordHash()), password);
  if (!usable || !matches) return { staff: null, knownId: row?.id ?? null };
  return { staff: { id: usable.id, email: usable.email, totpEnabled: usable.totp_enabled_at !== null }, knownId: usable.id };
}

/** Emails a sign-in code (unless one went out less than a minute ago). */
export async function sendSignInCode(trx: Transaction<Database>, input: { staff: SignInCandidate; now: Date; secret: string }): Promise<IssueResult> {
  const issued = await issueCode(trx, {
    purpose: SIGN_IN_PURPOSE,
    subjectId: input.staff.id,
    channel: 'email',
    destination: input.staff.email,
    now: input.now,
    secret: input.secret,
  });
  if (issued.ok) {
    await sendEmailLater(trx, { to: input.staff.email, ...staffSignInCodeEmail(issued.code) });
  }
  return issued;
}

export async function hasOpenSignInCode(db: Kysely<Database>, staffId: number): Promise<boolean> {
  return (await openCode(db, { purpose: SIGN_IN_PURPOSE, subjectId: staffId })) !== undefined;
}

/**
 * The second factor: the authenticator app's code when the staff member switched
 * it on, the emailed code otherwise. A TOTP step is accepted once only.
 */
export async function checkSecondFactor(
  trx: Transaction<Database>,
  input: { staffId: number; code: string; now: Date; secret: string },
): Promise<CheckResult> {
  const staff = await trx
    .selectFrom('staff')
    .select(['totp_secret', 'totp_enabled_at', 'totp_last_step'])
    .where('id', '=', input.staffId)
    .where('active', '=', true)
    .executeTakeFirst();
  // Switched off between the password and the code.
  if (!staff) return 'no-code';
  if (staff.totp_enabled_at === null || staff.totp_secret === null) {
    return checkCode(trx, { purpose: SIGN_IN_PURPOSE, subjectId: input.staffId, code: input.code, now: input.now, secret: input.secret });
  }
  const step = matchingStep(openKey(staff.totp_secret, input.secret), input.code, input.now.getTime(), staff.totp_last_step);
  if (step === null) return 'wrong';
  // Two requests racing with the same code: only one moves the step on.
  const claimed = await trx
    .updateTable('staff')
    .set({ totp_last_step: step })
    .where('id', '=', input.staffId)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
    .executeTakeFirst();
  return claimed.numUpdatedRows > 0n ? 'ok' : 'wrong';
}

export type FailedSignIn = { staffId: number | null; email: string; ip: string; stage: 'password' | 'code'; reason?: string };

/** A failed attempt; the address typed is kept so that guessing shows in the log. */
export async function recordFailedSignIn(db: Kysely<Database>, event: FailedSignIn): Promise<void> {
  await recordAudit(db, {
    staffId: null,
    action: 'staff.sign-in-failed',
    ...(event.staffId !== null ? { subjectType: 'staff', subjectId: event.staffId } : {}),
    details: { email: event.email, stage: event.stage, reason: event.reason },
    ip: event.ip,
  });
}

// Authenticator app (TOTP): the key is made first, and counts as switched on only
// once the staff member has typed a code from the app, proving it is set up.

export type TotpState = { enabled: boolean; pendingKey: Buffer | null };

export async function totpState(db: Kysely<Database>, staffId: number, secret: string): Promise<TotpState> {
  const row = await db.selectFrom('staff').select(['totp_secret', 'totp_enabled_at']).where('id', '=', staffId).executeTakeFirstOrThrow();
  if (row.totp_enabled_at !== null) return { enabled: true, pendingKey: null };
  return { enabled: false, pendingKey: row.totp_secret === null ? null : openKey(row.totp_secret, secret) };
}

export async function startTotpSetup(db: Kysely<Database>, staffId: number, secret: string): Promise<void> {
  await db
    .updateTable('staff')
    .set({ totp_secret: sealKey(newTotpKey(), secret), totp_last_step: null })
    .where('id', '=', staffId)
    .where('totp_enabled_at', 'is', null)
    .execute();
}

export async function enableTotp(
  trx: Transaction<Database>,
  input: { staffId: number; code: string; now: Date; secret: string; ip: string },
): Promise<boolean> {
  const state = await totpState(trx, input.staffId, input.secret);
  if (!state.pendingKey) return false;
  const step = matchingStep(state.pendingKey, input.code, input.now.getTime(), null);
  if (step === null) return false;
  await trx
    .updateTable('staff')
    .set({ totp_enabled_at: input.now, totp_last_step: step })
    .where('id', '=', input.staffId)
    .execute();
  await recordAudit(trx, { staffId: input.staffId, action: 'staff.totp-enabled', subjectType: 'staff', subjectId: input.staffId, ip: input.ip });
  return true;
}

/** Switching the app off needs a code from it, so a borrowed session cannot weaken the sign-in. */
export async function disableTotp(
  trx: Transaction<Database>,
  input: { staffId: number; code: string; now: Date; secret: string; ip: string },
): Promise<boolean> {
  if ((await checkSecondFactor(trx, input)) !== 'ok') return false;
  await trx
    .updateTable('staff')
    .set({ totp_secret: null, totp_enabled_at: null, totp_last_step: null })
    .where('id', '=', input.staffId)
    .execute();
  await recordAudit(trx, { staffId: input.staffId, action: 'staff.totp-disabled', subjectType: 'staff', subjectId: input.staffId, ip: input.ip });
  return true;
}
