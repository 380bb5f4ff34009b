import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { recordAudit } from '../../audit/writer.js';
import { sendEmailLater } from '../../messaging/service.js';
import { normaliseEmail } from '../../security/contacts.js';
import { fullName } from '../link-requests/service.js';
import { ownershipGivenEmail, ownershipTakenAwayEmail } from './messages.js';

// An account has one owner in the cabinet. When the flat changes hands, staff
// give the ownership to the new owner on a recorded ground; the previous owner
// loses access and is told by email.

export type TransferForm = { email: string; reason: string };
export type TransferErrors = Partial<Record<keyof TransferForm, string>>;

export function validateTransfer(form: TransferForm): TransferErrors {
  const errors: TransferErrors = {};
  if (form.email.trim() === '') errors.email = 'Введите адрес электронной почты нового владельца';
  else if (!normaliseEmail(form.email)) errors.email = 'Введите адрес электронной почты, например name@example.ru';
  const reason = form.reason.trim();
  if (reason === '') errors.reason = 'Укажите основание, например «Выписка из ЕГРН от 01.11.2026 № …»';
  else if (reason.length > 500) errors.reason = 'Основание — не больше 500 символов';
  return errors;
}

export type Transfer = { at: Date; from: string | null; to: string; reason: string; staff: string };

/** The account's ownership transfers, newest first. */
export async function transfersOf(db: Kysely<Database>, accountId: number): Promise<Transfer[]> {
  const rows = await db
    .selectFrom('ownership_transfers as t')
    .leftJoin('residents as f', 'f.id', 't.from_resident_id')
    .innerJoin('residents as n', 'n.id', 't.to_resident_id')
    .innerJoin('staff as s', 's.id', 't.staff_id')
    .select(['t.created_at', 'f.email as from_email', 'n.email as to_email', 't.reason', 's.full_name'])
    .where('t.payer_account_id', '=', accountId)
    .orderBy('t.created_at', 'desc')
    .orderBy('t.id', 'desc')
    .execute();
  return rows.map((r) => ({ at: r.created_at, from: r.from_email, to: r.to_email, reason: r.reason, staff: r.full_name }));
}

/**
 * Makes the resident with `email` the account's owner. The previous owner's link
 * ends as «transferred» (their co-owner invitations stay for the new owner to
 * keep or revoke); a pending request of the new owner for this account is the
 * link that is approved.
 */
export async function transferOwnership(
  trx: Transaction<Database>,
  input: { accountId: number; staffId: number; form: TransferForm; now: Date; ip: string },
): Promise<{ ok: true } | { ok: false; errors: TransferErrors }> {
  const account = await trx
    .selectFrom('payer_accounts as pa')
    .innerJoin('premises as p', 'p.id', 'pa.premises_id')
    .innerJoin('buildings as b', 'b.id', 'p.building_id')
    .select(['pa.id', 'pa.payer_code', 'pa.provider_id', 'p.flat_number', 'b.address'])
    .where('pa.id', '=', input.accountId)
    .forUpdate('pa')
    .executeTakeFirstOrThrow();
  const email = normaliseEmail(input.form.email)!;
  const target = await trx
    .selectFrom('residents')
    .select(['id', 'email', 'identity_status', 'last_name', 'first_name', 'middle_name'])
    .where((eb) => eb.fn('lower', ['email']), '=', email.toLowerCase())
    .executeTakeFirst();
  if (!target) return { ok: false, errors: { email: 'Житель с таким адресом не зарегистрирован в личном кабинете' } };
  if (target.identity_status !== 'confirmed') {
    return { ok: false, errors: { email: 'Личность этого жителя не подтверждена: попросите его пройти подтверждение личности' } };
  }
  const current = await trx
    .selectFrom('account_links as l')
    .innerJoin('residents as r', 'r.id', 'l.resident_id')
    .select(['l.id', 'l.resident_id', 'r.email'])
    .where('l.payer_account_id', '=', account.id)
    .where('l.status', '=', 'approved')
    .executeTakeFirst();
  if (current?.resident_id === target.id) return { ok: false, errors: { email: 'Этот житель уже владелец лицевого счёта' } };

  if (current) await trx.updateTable('account_links').set({ status: 'transferred' }).where('id', '=', current.id).execute();
  const decision = { status: 'approved' as const, payer_account_id: account.id, decided_by: input.staffId, decided_at: input.now, reason: null };
  const pending = await trx
    .updateTable('account_links')
    .set(decision)
    .where('resident_id', '=', target.id)
    .where('requested_payer_code', '=', account.payer_code)
    .where('status', '=', 'pending')
    .returning('id')
    .executeTakeFirst();
  if (!pending) {
    await trx
      .insertInto('account_links')
      .values({
        resident_id: target.id,
        requested_payer_code: account.payer_code,
        requested_provider_id: account.provider_id,
        requested_flat: account.flat_number,
        consented_at: input.now,
        created_at: input.now,
        ...decision,
      })
      .execute();
  }
  // An owner needs no co-owner grant on their own account.
  await trx
    .updateTable('co_owner_grants')
    .set({ revoked_at: input.now })
    .where('payer_account_id', '=', account.id)
    .where('accepted_by', '=', target.id)
    .where('revoked_at', 'is', null)
    .execute();
  const reason = input.form.reason.trim();
  await trx
    .insertInto('ownership_transfers')
    .values({ payer_account_id: account.id, from_resident_id: current?.resident_id ?? null, to_resident_id: target.id, reason, staff_id: input.staffId, created_at: input.now })
    .execute();
  await recordAudit(trx, {
    staffId: input.staffId,
    action: 'account.ownership-transferred',
    subjectType: 'payer_account',
    subjectId: account.id,
    details: { payerCode: account.payer_code, from: current?.email ?? null, to: target.email, toName: fullName(target.last_name, target.first_name, target.middle_name), reason },
    ip: input.ip,
  });
  const where = { payerCode: account.payer_code, address: account.address, flat: account.flat_number };
  if (current) await sendEmailLater(trx, { to: current.email, ...ownershipTakenAwayEmail({ ...where, reason }) });
  await sendEmailLater(trx, { to: target.email, ...ownershipGivenEmail(where) });
  return { ok: true };
}
