import { sql, type Kysely, type Transaction } from 'kysely';
import { recordAudit } from '../../audit/writer.js';
import type { Database } from '../../db/schema.js';
import { confirmedIdentity, type EsiaPerson } from './rules.js';
import type { TrustLevel } from './tables.js';

type Db = Kysely<Database>;

/** The resident this Госуслуги account belongs to, if any. */
export async function residentBySubject(db: Db, subject: string): Promise<number | undefined> {
  const row = await db.selectFrom('esia_links').select('resident_id').where('subject', '=', subject).executeTakeFirst();
  return row?.resident_id;
}

export type EsiaLink = { trustLevel: TrustLevel; snilsMasked: string | null; passportMasked: string | null; linkedAt: Date };

/** The «Госуслуги» block of the profile: the linked account (masked) and whether a password is set. */
export async function esiaLinkOf(db: Db, residentId: number): Promise<{ link: EsiaLink | null; hasPassword: boolean }> {
  const row = await db
    .selectFrom('residents')
    .leftJoin('esia_links', 'esia_links.resident_id', 'residents.id')
    .select(['residents.password_hash', 'esia_links.trust_level', 'esia_links.snils_masked', 'esia_links.passport_masked', 'esia_links.linked_at'])
    .where('residents.id', '=', residentId)
    .executeTakeFirstOrThrow();
  const link = row.trust_level && row.linked_at
    ? { trustLevel: row.trust_level, snilsMasked: row.snils_masked, passportMasked: row.passport_masked, linkedAt: row.linked_at }
    : null;
  return { link, hasPassword: row.password_hash !== null };
}

/**
 * ЕСИА vouches for a confirmed person: the resident becomes «Подтверждена» with
 * the name and date of birth from ЕСИА, unless already confirmed (by documents,
 * say), whose data stays as it is.
 */
async function confirmFromEsia(trx: Transaction<Database>, residentId: number, person: EsiaPerson): Promise<boolean> {
  const identity = confirmedIdentity(person);
  if (!identity) return false;
  const updated = await trx
    .updateTable('residents')
    .set({
      identity_status: 'confirmed',
      identity_source: 'esia',
      last_name: identity.lastName,
      first_name: identity.firstName,
      middle_name: identity.middleName,
      birth_date: identity.birthDate,
    })
    .where('id', '=', residentId)
    .where('identity_status', '<>', 'confirmed')
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) > 0;
}

function linkColumns(person: EsiaPerson) {
  return { trust_level: person.trustLevel, snils_masked: person.snilsMasked, passport_masked: person.passportMasked };
}

type Context = { now: Date; ip: string };

/** A sign-in of a linked resident: the level and masked documents are refreshed, a newly confirmed level confirms the resident. */
export async function recordEsiaSignIn(trx: Transaction<Database>, residentId: number, person: EsiaPerson, context: Context): Promise<void> {
  await trx
    .updateTable('esia_links')
    .set({ ...linkColumns(person), last_sign_in_at: context.now })
    .where('resident_id', '=', residentId)
    .execute();
  const confirmed = await confirmFromEsia(trx, residentId, person);
  await recordAudit(trx, {
    staffId: null, action: 'resident.esia-signed-in', subjectType: 'resident', subjectId: residentId, ip: context.ip,
    details: { trustLevel: person.trustLevel, ...(confirmed ? { identityConfirmed: true } : {}) },
  });
}

export type SignUpResult = { kind: 'created'; residentId: number } | { kind: 'email-taken' } | { kind: 'subject-taken'; residentId: number };

/**
 * A new resident from a Госуслуги account: the address and number are those ЕСИА
 * verified, so no confirmation link is sent, and there is no password. An address
 * another resident already has is never linked by itself: that resident must sign
 * in and link Госуслуги from the profile.
 */
export async function signUpWithEsia(
  trx: Transaction<Database>,
  input: { person: EsiaPerson & { email: string; phone: string } } & Context,
): Promise<SignUpResult> {
  const { person } = input;
  // One sign-up per subject at a time: a second tab finishing the same sign-up waits here, then finds the link.
  await sql`select pg_advisory_xact_lock(hashtext(${`esia:${person.subject}`}))`.execute(trx);
  const existing = await residentBySubject(trx, person.subject);
  if (existing !== undefined) return { kind: 'subject-taken', residentId: existing };
  const taken = await trx.selectFrom('residents').select('id').where(sql<boolean>`lower(email) = ${person.email}`).executeTakeFirst();
  if (taken) return { kind: 'email-taken' };
  const resident = await trx
    .insertInto('residents')
    .values({ email: person.email, phone: person.phone, password_hash: null, email_confirmed_at: input.now })
    .returning('id')
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('esia_links')
    .values({ resident_id: resident.id, subject: person.subject, ...linkColumns(person), linked_at: input.now, last_sign_in_at: input.now })
    .execute();
  await confirmFromEsia(trx, resident.id, person);
  await recordAudit(trx, {
    staffId: null, action: 'resident.esia-signed-up', subjectType: 'resident', subjectId: resident.id, ip: input.ip,
    details: { trustLevel: person.trustLevel },
  });
  return { kind: 'created', residentId: resident.id };
}

export type LinkResult = 'linked' | 'already-linked' | 'subject-taken' | 'other-account-linked';

/** Links the signed-in resident's account to the Госуслуги account they have just signed in to. */
export async function linkEsia(trx: Transaction<Database>, input: { residentId: number; person: EsiaPerson } & Context): Promise<LinkResult> {
  const { person } = input;
  await sql`select pg_advisory_xact_lock(hashtext(${`esia:${person.subject}`}))`.execute(trx);
  const owner = await residentBySubject(trx, person.subject);
  if (owner === input.residentId) return 'already-linked';
  if (owner !== undefined) return 'subject-taken';
  const inserted = await trx
    .insertInto('esia_links')
    .values({ resident_id: input.residentId, subject: person.subject, ...linkColumns(person), linked_at: input.now, last_sign_in_at: input.now })
    .onConflict((oc) => oc.column('resident_id').doNothing())
    .returning('resident_id')
    .executeTakeFirst();
  if (!inserted) return 'other-account-linked';
  const confirmed = await confirmFromEsia(trx, input.residentId, person);
  await recordAudit(trx, {
    staffId: null, action: 'resident.esia-linked', subjectType: 'resident', subjectId: input.residentId, ip: input.ip,
    details: { trustLevel: person.trustLevel, ...(confirmed ? { identityConfirmed: true } : {}) },
  });
  return 'linked';
}

/**
 * Unlinks Госуслуги. Only with a password set, or the resident could no longer sign
 * in. A confirmed identity stays confirmed: ЕСИА vouched for it when it was linked.
 */
export async function unlinkEsia(trx: Transaction<Database>, input: { residentId: number } & Context): Promise<'unlinked' | 'no-password' | 'not-linked'> {
  const resident = await trx.selectFrom('residents').select('password_hash').where('id', '=', input.residentId).forUpdate().executeTakeFirstOrThrow();
  if (resident.password_hash === null) return 'no-password';
  const removed = await trx.deleteFrom('esia_links').where('resident_id', '=', input.residentId).returning('trust_level').executeTakeFirst();
  if (!removed) return 'not-linked';
  await recordAudit(trx, { staffId: null, action: 'resident.esia-unlinked', subjectType: 'resident', subjectId: input.residentId, ip: input.ip });
  return 'unlinked';
}
