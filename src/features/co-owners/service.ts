import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { sendEmailLater } from '../../messaging/service.js';
import { consumeToken, issueToken, peekToken, revokeTokens } from '../../security/tokens.js';
import { normaliseEmail } from '../../security/contacts.js';
import { type CoOwnerRights } from './tables.js';
import { coOwnerInvitationEmail } from './messages.js';
import { CO_OWNER_RIGHTS_LABELS, type GrantStatus } from '../../lib/labels.js';

// Co-owners: the owner of a linked account invites someone by email with
// «Просмотр» or «Просмотр и оплата»; the emailed link is a single-use token
// valid for 7 days; the owner may revoke access at any time.

export const INVITATION_PURPOSE = 'co-owner-invitation';
export const INVITATION_TTL_MS = 7 * 24 * 3600_000;

export type Grant = { id: number; accountId: number; email: string; rights: CoOwnerRights; status: GrantStatus; invitedAt: Date; acceptedAt: Date | null };

/** Unrevoked grants of the given accounts (the caller passes only accounts the resident owns). */
export async function grantsOf(db: Kysely<Database>, accountIds: number[], now: Date): Promise<Grant[]> {
  if (accountIds.length === 0) return [];
  const rows = await db
    .selectFrom('co_owner_grants')
    .select(['id', 'payer_account_id', 'invited_email', 'rights', 'invited_at', 'accepted_at', 'accepted_by'])
    .where('payer_account_id', 'in', accountIds)
    .where('revoked_at', 'is', null)
    .orderBy('invited_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    accountId: r.payer_account_id,
    email: r.invited_email,
    rights: r.rights,
    status: r.accepted_by !== null ? 'accepted' : now.getTime() - r.invited_at.getTime() > INVITATION_TTL_MS ? 'expired' : 'pending',
    invitedAt: r.invited_at,
    acceptedAt: r.accepted_at,
  }));
}

export type InviteForm = { email: string; rights: string };
export type InviteErrors = Partial<Record<'email' | 'rights', string>>;

export function validateInvite(form: InviteForm, ownEmail: string): InviteErrors {
  const errors: InviteErrors = {};
  const email = normaliseEmail(form.email);
  if (form.email.trim() === '') errors.email = 'Введите адрес электронной почты';
  else if (!email) errors.email = 'Введите адрес электронной почты, например name@example.ru';
  else if (email === ownEmail.toLowerCase()) errors.email = 'Нельзя пригласить самого себя';
  if (form.rights !== 'view' && form.rights !== 'view_pay') errors.rights = 'Выберите права';
  return errors;
}

/** Creates the grant and emails the link. Refuses a second open invitation to the same address. */
export async function invite(
  trx: Transaction<Database>,
  input: { accountId: number; payerCode: string; address: string; residentId: number; form: InviteForm; now: Date; publicUrl: string },
): Promise<{ ok: true } | { ok: false; errors: InviteErrors }> {
  const email = input.form.email.trim();
  const rights = input.form.rights as CoOwnerRights;
  // Invitations to one account wait for each other: a double-clicked «Пригласить» must not
  // pass the check below twice and leave two grants (and two letters) for one address.
  await trx.selectFrom('payer_accounts').select('id').where('id', '=', input.accountId).forNoKeyUpdate().execute();
  const open = await trx
    .selectFrom('co_owner_grants')
    .select('id')
    .where('payer_account_id', '=', input.accountId)
    .where((eb) => eb.fn('lower', ['invited_email']), '=', email.toLowerCase())
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('accepted_by', 'is not', null), eb('invited_at', '>', new Date(input.now.getTime() - INVITATION_TTL_MS))]))
    .executeTakeFirst();
  if (open) return { ok: false, errors: { email: 'Этот адрес уже приглашён. Отзовите доступ, чтобы пригласить заново.' } };
  const grant = await trx
    .insertInto('co_owner_grants')
    .values({ payer_account_id: input.accountId, invited_by: input.residentId, invited_email: email, rights, invited_at: input.now })
    .returning('id')
    .executeTakeFirstOrThrow();
  const { token } = await issueToken(trx, { purpose: INVITATION_PURPOSE, subjectId: grant.id, ttlMs: INVITATION_TTL_MS, now: input.now });
  const link = `${input.publicUrl}/co-owners/invitation?token=${token}`;
  await sendEmailLater(trx, { to: email, ...coOwnerInvitationEmail({ payerCode: input.payerCode, address: input.address, rights: CO_OWNER_RIGHTS_LABELS[rights], link }) });
  return { ok: true };
}

/** Revokes a grant of an account the resident owns; false when there is no such grant. */
export async function revoke(trx: Transaction<Database>, input: { grantId: number; ownedAccountIds: number[]; now: Date }): Promise<boolean> {
  if (input.ownedAccountIds.length === 0) return false;
  const row = await trx
    .updateTable('co_owner_grants')
    .set({ revoked_at: input.now })
    .where('id', '=', input.grantId)
    .where('payer_account_id', 'in', input.ownedAccountIds)
    .where('revoked_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  if (!row) return false;
  await revokeTokens(trx, { purpose: INVITATION_PURPOSE, subjectId: row.id, now: input.now });
  return true;
}

export type Invitation = { grantId: number; email: string; rights: CoOwnerRights; payerCode: string; address: string; flat: string };

async function invitationOf(db: Kysely<Database>, grantId: number): Promise<Invitation | null> {
  const row = await db
    .selectFrom('co_owner_grants as g')
    .innerJoin('payer_accounts as pa', 'pa.id', 'g.payer_account_id')
    .innerJoin('premises as p', 'p.id', 'pa.premises_id')
    .innerJoin('buildings as b', 'b.id', 'p.building_id')
    .select(['g.id', 'g.invited_email', 'g.rights', 'pa.payer_code', 'b.address', 'p.flat_number'])
    .where('g.id', '=', grantId)
    .where('g.revoked_at', 'is', null)
    .where('g.accepted_by', 'is', null)
    .executeTakeFirst();
  return row
    ? { grantId: row.id, email: row.invited_email, rights: row.rights, payerCode: row.payer_code, address: row.address, flat: row.flat_number }
    : null;
}

/** The open invitation behind a link, without using the link up. */
export async function findInvitation(db: Kysely<Database>, token: string, now: Date): Promise<Invitation | null> {
  const found = await peekToken(db, { purpose: INVITATION_PURPOSE, token, now });
  return found ? invitationOf(db, found.subjectId) : null;
}

export function invitedMatches(invitation: Invitation, residentEmail: string): boolean {
  return invitation.email.toLowerCase() === residentEmail.toLowerCase();
}

/**
 * Accepts the invitation for the signed-in resident. Only the resident whose email
 * is the invited one may accept: a forwarded or leaked link opens nothing for anyone else.
 */
export async function accept(
  trx: Transaction<Database>,
  input: { token: string; residentId: number; residentEmail: string; now: Date },
): Promise<'accepted' | 'invalid' | 'wrong-person' | 'unconfirmed'> {
  const invitation = await findInvitation(trx, input.token, input.now);
  if (!invitation) return 'invalid';
  if (!invitedMatches(invitation, input.residentEmail)) return 'wrong-person';
  // Like linking: whoever sees someone's bills must have had their identity checked.
  const resident = await trx.selectFrom('residents').select('identity_status').where('id', '=', input.residentId).executeTakeFirstOrThrow();
  if (resident.identity_status !== 'confirmed') return 'unconfirmed';
  const used = await consumeToken(trx, { purpose: INVITATION_PURPOSE, token: input.token, now: input.now });
  if (!used) return 'invalid';
  const row = await trx
    .updateTable('co_owner_grants')
    .set({ accepted_by: input.residentId, accepted_at: input.now })
    .where('id', '=', invitation.grantId)
    .where('accepted_by', 'is', null)
    .where('revoked_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  return row ? 'accepted' : 'invalid';
}
