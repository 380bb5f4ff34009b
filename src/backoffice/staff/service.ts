import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, StaffRole } from '../../db/schema.js';
import type { StaffStatus } from '../../lib/labels.js';
import { sendEmailLater } from '../../messaging/service.js';
import { consumeToken, issueToken, revokeTokens } from '../../security/tokens.js';
import { roleList } from './roles.js';
import { recordAudit } from '../../audit/writer.js';
import { staffInvitationEmail } from './messages.js';

export const INVITATION_PURPOSE = 'staff-invitation';
export const INVITATION_TTL_MS = 72 * 3600_000;

export type StaffMember = {
  id: number;
  email: string;
  fullName: string;
  roles: StaffRole[];
  status: StaffStatus;
  totpEnabled: boolean;
  createdAt: Date;
};

/** Who did it, from where: every change below is written to the audit log. */
export type Actor = { staffId: number | null; ip?: string };

const columns = ['id', 'email', 'full_name', 'roles', 'active', 'password_hash', 'totp_enabled_at', 'created_at'] as const;

function toMember(row: {
  id: number; email: string; full_name: string; roles: StaffRole[]; active: boolean;
  password_hash: string | null; totp_enabled_at: Date | null; created_at: Date;
}): StaffMember {
  return {
    id: row.id,
    email: row.email,
    fullName: row.full_name,
    roles: row.roles,
    status: !row.active ? 'inactive' : row.password_hash === null ? 'invited' : 'active',
    totpEnabled: row.totp_enabled_at !== null,
    createdAt: row.created_at,
  };
}

export async function listStaff(db: Kysely<Database>): Promise<StaffMember[]> {
  const rows = await db.selectFrom('staff').select(columns).orderBy('active', 'desc').orderBy('full_name').orderBy('id').execute();
  return rows.map(toMember);
}

export async function findStaff(db: Kysely<Database>, id: number): Promise<StaffMember | undefined> {
  const row = await db.selectFrom('staff').select(columns).where('id', '=', id).executeTakeFirst();
  return row && toMember(row);
}

/** Invited staff members who have not set their password yet (a queue on the back-office home). */
export async function countPendingInvitations(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('staff')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('active', '=', true)
    .where('password_hash', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

function invitationLink(publicUrl: string, token: string): string {
  return `${publicUrl}/admin/invitation?token=${token}`;
}

async function sendInvitation(
  trx: Transaction<Database>,
  staff: { id: number; email: string; fullName: string; roles: StaffRole[] },
  input: { now: Date; publicUrl: string },
): Promise<string> {
  await revokeTokens(trx, { purpose: INVITATION_PURPOSE, subjectId: staff.id, now: input.now });
  const { token } = await issueToken(trx, { purpose: INVITATION_PURPOSE, subjectId: staff.id, ttlMs: INVITATION_TTL_MS, now: input.now });
  const link = invitationLink(input.publicUrl, token);
  await sendEmailLater(trx, { to: staff.email, ...staffInvitationEmail({ fullName: staff.fullName, roles: roleList(staff.roles), link }) });
  return link;
}

export type InviteResult = { ok: true; staffId: number; link: string } | { ok: false; reason: 'taken' };

/** Creates a staff member without a password and emails them a link to set one. */
export async function inviteStaff(
  trx: Transaction<Database>,
  input: { email: string; fullName: string; roles: StaffRole[]; by: Actor; now: Date; publicUrl: string },
): Promise<InviteResult> {
  const created = await trx
    .insertInto('staff')
    .values({ email: input.email, full_name: input.fullName, roles: input.roles, password_hash: null })
    .onConflict((oc) => oc.expression(sql`lower(email)`).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!created) return { ok: false, reason: 'taken' };
  const link = await sendInvitation(trx, { id: created.id, ...input }, input);
  await recordAudit(trx, {
    staffId: input.by.staffId,
    action: 'staff.invited',
    subjectType: 'staff',
    subjectId: created.id,
    details: { email: input.email, roles: input.roles },
    ip: input.by.ip,
  });
  return { ok: true, staffId: created.id, link };
}

export type ReinviteResult = { ok: true; link: string } | { ok: false; reason: 'not-invited' };

/** A fresh link for someone who has not set a password yet; the old link stops working. */
export async function reinviteStaff(
  trx: Transaction<Database>,
  input: { staffId: number; by: Actor; now: Date; publicUrl: string },
): Promise<ReinviteResult> {
  const staff = await trx
    .selectFrom('staff')
    .select(['id', 'email', 'full_name', 'roles'])
    .where('id', '=', input.staffId)
    .where('active', '=', true)
    .where('password_hash', 'is', null)
    .forUpdate()
    .executeTakeFirst();
  if (!staff) return { ok: false, reason: 'not-invited' };
  const link = await sendInvitation(trx, { id: staff.id, email: staff.email, fullName: staff.full_name, roles: staff.roles }, input);
  await recordAudit(trx, {
    staffId: input.by.staffId,
    action: 'staff.invited',
    subjectType: 'staff',
    subjectId: staff.id,
    details: { email: staff.email, roles: staff.roles, again: true },
    ip: input.by.ip,
  });
  return { ok: true, link };
}

export type ChangeRolesResult = { ok: true } | { ok: false; reason: 'not-found' | 'own-admin' };

export async function changeRoles(
  trx: Transaction<Database>,
  input: { staffId: number; roles: StaffRole[]; by: Actor },
): Promise<ChangeRolesResult> {
  const staff = await trx.selectFrom('staff').select(['id', 'roles']).where('id', '=', input.staffId).forUpdate().executeTakeFirst();
  if (!staff) return { ok: false, reason: 'not-found' };
  // An admin who removes their own admin role could lock the office out of staff management.
  if (input.staffId === input.by.staffId && staff.roles.includes('admin') && !input.roles.includes('admin')) {
    return { ok: false, reason: 'own-admin' };
  }
  const unchanged = staff.roles.length === input.roles.length && staff.roles.every((role) => input.roles.includes(role));
  if (unchanged) return { ok: true };
  await trx.updateTable('staff').set({ roles: input.roles }).where('id', '=', staff.id).execute();
  await recordAudit(trx, {
    staffId: input.by.staffId,
    action: 'staff.roles-changed',
    subjectType: 'staff',
    subjectId: staff.id,
    details: { from: staff.roles, to: input.roles },
    ip: input.by.ip,
  });
  return { ok: true };
}

export type DeactivateResult = { ok: true } | { ok: false; reason: 'not-found' | 'self' };

/** Switches a staff member off and ends all their sessions at once. */
export async function deactivateStaff(
  trx: Transaction<Database>,
  input: { staffId: number; by: Actor; now: Date },
): Promise<DeactivateResult> {
  if (input.staffId === input.by.staffId) return { ok: false, reason: 'self' };
  const staff = await trx
    .updateTable('staff')
    .set({ active: false })
    .where('id', '=', input.staffId)
    .where('active', '=', true)
    .returning('id')
    .executeTakeFirst();
  if (!staff) return { ok: false, reason: 'not-found' };
  const ended = await trx.deleteFrom('sessions').where('staff_id', '=', staff.id).where('area', '=', 'staff').executeTakeFirst();
  await revokeTokens(trx, { purpose: INVITATION_PURPOSE, subjectId: staff.id, now: input.now });
  await recordAudit(trx, {
    staffId: input.by.staffId,
    action: 'staff.deactivated',
    subjectType: 'staff',
    subjectId: staff.id,
    details: { sessionsEnded: Number(ended.numDeletedRows) },
    ip: input.by.ip,
  });
  return { ok: true };
}

/** For a lost phone: the staff member signs in with emailed codes again until they set up a new app. */
export async function resetTotp(trx: Transaction<Database>, input: { staffId: number; by: Actor }): Promise<boolean> {
  const staff = await trx
    .updateTable('staff')
    .set({ totp_secret: null, totp_enabled_at: null, totp_last_step: null })
    .where('id', '=', input.staffId)
    .where('totp_enabled_at', 'is not', null)
    .returning('id')
    .executeTakeFirst();
  if (!staff) return false;
  await recordAudit(trx, { staffId: input.by.staffId, action: 'staff.totp-reset', subjectType: 'staff', subjectId: staff.id, ip: input.by.ip });
  return true;
}

/** The person an open invitation link belongs to (for the set-password page). */
export async function invitedStaff(db: Kysely<Database>, staffId: number): Promise<{ email: string; fullName: string } | undefined> {
  const row = await db
    .selectFrom('staff')
    .select(['email', 'full_name'])
    .where('id', '=', staffId)
    .where('active', '=', true)
    .executeTakeFirst();
  return row && { email: row.email, fullName: row.full_name };
}

/** Uses the invitation link up and sets the password; false when the link is no good. */
export async function acceptInvitation(
  trx: Transaction<Database>,
  input: { token: string; passwordHash: string; now: Date; ip?: string },
): Promise<boolean> {
  const used = await consumeToken(trx, { purpose: INVITATION_PURPOSE, token: input.token, now: input.now });
  if (!used) return false;
  const staff = await trx
    .updateTable('staff')
    .set({ password_hash: input.passwordHash })
    .where('id', '=', used.subjectId)
    .where('active', '=', true)
    .returning('id')
    .executeTakeFirst();
  if (!staff) return false;
  await recordAudit(trx, { staffId: staff.id, action: 'staff.invitation-accepted', subjectType: 'staff', subjectId: staff.id, ip: input.ip });
  return true;
}
