import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { sha256Hex } from '../lib/hash.js';

// Single-use links (email confirmation, password reset, invitations). The token
// has 256 bits of entropy, so a plain SHA-256 is enough to store it safely.

export type IssuedToken = { token: string; expiresAt: Date };

/** Creates a token; `data` rides along (e.g. the new email address to confirm). */
export async function issueToken(
  trx: Transaction<Database>,
  input: { purpose: string; subjectId: number; ttlMs: number; now: Date; data?: Record<string, unknown> },
): Promise<IssuedToken> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(input.now.getTime() + input.ttlMs);
  await trx
    .insertInto('tokens')
    .values({
      purpose: input.purpose,
      subject_id: input.subjectId,
      token_hash: sha256Hex(token),
      data: JSON.stringify(input.data ?? {}),
      expires_at: expiresAt,
      created_at: input.now,
    })
    .execute();
  return { token, expiresAt };
}

export type ConsumedToken = { subjectId: number; data: Record<string, unknown> };

/**
 * Uses a token up, atomically: the second use of the same link, an expired link
 * and an unknown one all give null.
 */
export async function consumeToken(
  trx: Transaction<Database>,
  input: { purpose: string; token: string; now: Date },
): Promise<ConsumedToken | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(input.token)) return null;
  const row = await trx
    .updateTable('tokens')
    .set({ used_at: input.now })
    .where('token_hash', '=', sha256Hex(input.token))
    .where('purpose', '=', input.purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', input.now)
    .returning(['subject_id', 'data'])
    .executeTakeFirst();
  return row ? { subjectId: row.subject_id, data: row.data } : null;
}

/** Looks a token up without using it (to show a form before the final step). */
export async function peekToken(
  trx: Kysely<Database>,
  input: { purpose: string; token: string; now: Date },
): Promise<ConsumedToken | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(input.token)) return null;
  const row = await trx
    .selectFrom('tokens')
    .select(['subject_id', 'data'])
    .where('token_hash', '=', sha256Hex(input.token))
    .where('purpose', '=', input.purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', input.now)
    .executeTakeFirst();
  return row ? { subjectId: row.subject_id, data: row.data } : null;
}

/** Makes every open token of this purpose for the subject unusable (e.g. after a new one is sent). */
export async function revokeTokens(trx: Transaction<Database>, input: { purpose: string; subjectId: number; now: Date }): Promise<void> {
  await trx
    .updateTable('tokens')
    .set({ used_at: input.now })
    .where('purpose', '=', input.purpose)
    .where('subject_id', '=', input.subjectId)
    .where('used_at', 'is', null)
    .execute();
}
