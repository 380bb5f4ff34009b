import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { CODE_TTL_MS, MAX_CODES_PER_DAY, MAX_WRONG_TRIES, RESEND_AFTER_MS, codeMatches, hashCode, newCode } from './code-rules.js';

// Second-factor and phone-confirmation codes, shared by residents and staff.

export type CodeRequest = { purpose: string; subjectId: number };

export type IssueResult =
  | { ok: true; code: string; expiresAt: Date }
  | { ok: false; reason: 'too-soon' | 'daily-limit'; retryAfterMs: number };

/**
 * Issues a new code (the previous ones stop working), unless one was sent less
 * than a minute ago or ten were sent in the last 24 hours.
 */
export async function issueCode(
  trx: Transaction<Database>,
  input: CodeRequest & { channel: 'email' | 'sms'; destination: string; now: Date; secret: string },
): Promise<IssueResult> {
  // One issue at a time per subject: without this, requests sent together all pass the
  // checks below and each sends an SMS, past the one-a-minute and ten-a-day limits.
  await sql`select pg_advisory_xact_lock(hashtext(${`one-time-code:${input.purpose}`}), ${input.subjectId})`.execute(trx);
  const dayAgo = new Date(input.now.getTime() - 24 * 3600_000);
  const recent = await trx
    .selectFrom('one_time_codes')
    .select('created_at')
    .where('purpose', '=', input.purpose)
    .where('subject_id', '=', input.subjectId)
    .where('created_at', '>', dayAgo)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  const last = recent[0];
  if (last && input.now.getTime() - last.created_at.getTime() < RESEND_AFTER_MS) {
    return { ok: false, reason: 'too-soon', retryAfterMs: RESEND_AFTER_MS - (input.now.getTime() - last.created_at.getTime()) };
  }
  if (recent.length >= MAX_CODES_PER_DAY) {
    const oldest = recent[recent.length - 1]!;
    return { ok: false, reason: 'daily-limit', retryAfterMs: oldest.created_at.getTime() + 24 * 3600_000 - input.now.getTime() };
  }
  await trx
    .updateTable('one_time_codes')
    .set({ used_at: input.now })
    .where('purpose', '=', input.purpose)
    .where('subject_id', '=', input.subjectId)
    .where('used_at', 'is', null)
    .execute();
  const code = newCode();
  const expiresAt = new Date(input.now.getTime() + CODE_TTL_MS);
  await trx
    .insertInto('one_time_codes')
    .values({
      purpose: input.purpose,
      subject_id: input.subjectId,
      channel: input.channel,
      destination: input.destination,
      code_hash: hashCode(code, input.secret),
      expires_at: expiresAt,
      created_at: input.now,
    })
    .execute();
  return { ok: true, code, expiresAt };
}

export type CheckResult = 'ok' | 'wrong' | 'expired' | 'too-many-tries' | 'no-code';

/**
 * Checks the newest open code. A wrong code counts a try; after five wrong tries
 * the code is dead and a new one must be requested.
 */
export async function checkCode(
  trx: Transaction<Database>,
  input: CodeRequest & { code: string; now: Date; secret: string },
): Promise<CheckResult> {
  return (await checkCodeIn(trx, input)).result;
}

/**
 * checkCode inside the caller's transaction; a match also gives the destination
 * the code went to, so that the caller acts on the number or address the code
 * proves, not on one read apart from the check.
 */
export async function checkCodeIn(
  trx: Transaction<Database>,
  input: CodeRequest & { code: string; now: Date; secret: string },
): Promise<{ result: 'ok'; destination: string } | { result: Exclude<CheckResult, 'ok'> }> {
  const row = await trx
    .selectFrom('one_time_codes')
    .select(['id', 'code_hash', 'attempts', 'expires_at', 'destination'])
    .where('purpose', '=', input.purpose)
    .where('subject_id', '=', input.subjectId)
    .where('used_at', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .forUpdate()
    .executeTakeFirst();
  if (!row) return { result: 'no-code' };
  if (row.attempts >= MAX_WRONG_TRIES) return { result: 'too-many-tries' };
  if (row.expires_at.getTime() <= input.now.getTime()) return { result: 'expired' };
  if (codeMatches(input.code, row.code_hash, input.secret)) {
    await trx.updateTable('one_time_codes').set({ used_at: input.now }).where('id', '=', row.id).execute();
    return { result: 'ok', destination: row.destination };
  }
  await trx
    .updateTable('one_time_codes')
    .set({ attempts: sql<number>`attempts + 1` })
    .where('id', '=', row.id)
    .execute();
  return { result: row.attempts + 1 >= MAX_WRONG_TRIES ? 'too-many-tries' : 'wrong' };
}

/** The destination of the newest open code, for "we sent a code to …". */
export async function openCode(db: Kysely<Database>, input: CodeRequest): Promise<{ channel: 'email' | 'sms'; destination: string; createdAt: Date } | undefined> {
  const row = await db
    .selectFrom('one_time_codes')
    .select(['channel', 'destination', 'created_at'])
    .where('purpose', '=', input.purpose)
    .where('subject_id', '=', input.subjectId)
    .where('used_at', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && { channel: row.channel, destination: row.destination, createdAt: row.created_at };
}
