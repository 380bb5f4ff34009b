import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { normaliseFlat, normalisePayerCode, sameFlat } from './rules.js';
import { type LinkStatus } from './tables.js';

export type LinkSummary = {
  id: number;
  payerCode: string;
  flat: string;
  provider: string;
  status: LinkStatus;
  reason: string | null;
  address: string | null;
  accountId: number | null;
  createdAt: Date;
};

/** The resident's requests and links not hidden, newest first, with the address once approved. */
export async function linksOf(db: Kysely<Database>, residentId: number): Promise<LinkSummary[]> {
  const rows = await db
    .selectFrom('account_links as l')
    .innerJoin('providers as pr', 'pr.id', 'l.requested_provider_id')
    .leftJoin('payer_accounts as pa', 'pa.id', 'l.payer_account_id')
    .leftJoin('premises as p', 'p.id', 'pa.premises_id')
    .leftJoin('buildings as b', 'b.id', 'p.building_id')
    .select(['l.id', 'l.requested_payer_code', 'l.requested_flat', 'pr.name as provider', 'l.status', 'l.reason', 'b.address', 'l.payer_account_id', 'l.created_at'])
    .where('l.resident_id', '=', residentId)
    .where('l.hidden_at', 'is', null)
    // A link handed to a new owner is no longer the resident's.
    .where('l.status', '<>', 'transferred')
    .orderBy('l.created_at', 'desc')
    .orderBy('l.id', 'desc')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    payerCode: r.requested_payer_code,
    flat: r.requested_flat,
    provider: r.provider,
    status: r.status,
    reason: r.reason,
    address: r.status === 'approved' ? r.address : null,
    accountId: r.status === 'approved' ? r.payer_account_id : null,
    createdAt: r.created_at,
  }));
}

export type Provider = { id: number; name: string };

export async function providerList(db: Kysely<Database>): Promise<Provider[]> {
  return db.selectFrom('providers').select(['id', 'name']).orderBy('name').orderBy('id').execute();
}

export type LinkForm = { payerCode: string; providerId: string; flat: string; consent: boolean };
export type LinkFormErrors = Partial<Record<'payerCode' | 'providerId' | 'flat' | 'consent', string>>;

export function validateLinkForm(form: LinkForm, providers: Provider[]): LinkFormErrors {
  const errors: LinkFormErrors = {};
  if (form.payerCode.trim() === '') errors.payerCode = 'Введите номер лицевого счёта';
  else if (!normalisePayerCode(form.payerCode)) errors.payerCode = 'Номер лицевого счёта — 10 цифр, например 7700000001';
  if (!providers.some((p) => String(p.id) === form.providerId)) errors.providerId = 'Выберите организацию';
  if (form.flat.trim() === '') errors.flat = 'Введите номер квартиры';
  else if (!normaliseFlat(form.flat)) errors.flat = 'Номер квартиры — цифры и, если есть, буква, например 12 или 12А';
  if (!form.consent) errors.consent = 'Подтвердите согласие с условиями подключения услуги';
  return errors;
}

export type LinkResult =
  | { kind: 'filed'; id: number }
  /** The registry does not know the code, or the flat or organisation is not the account's. */
  | { kind: 'invalid'; errors: LinkFormErrors }
  /** This resident already owns the account or waits for a decision on it. */
  | { kind: 'duplicate' }
  /** Someone else owns it in the cabinet: only their invitation opens it. */
  | { kind: 'has-owner'; provider: string };

/**
 * Checks a valid form against the registry and files the request for a moderator.
 * Only requests that match the registry reach the moderator; an account that
 * already has an owner in the cabinet is never given a second one.
 */
export async function requestLink(trx: Transaction<Database>, input: { residentId: number; form: LinkForm; now: Date }): Promise<LinkResult> {
  const payerCode = normalisePayerCode(input.form.payerCode)!;
  const flat = normaliseFlat(input.form.flat)!;
  const account = await trx
    .selectFrom('payer_accounts as pa')
    .innerJoin('premises as p', 'p.id', 'pa.premises_id')
    .innerJoin('providers as pr', 'pr.id', 'pa.provider_id')
    .select(['pa.id', 'pa.provider_id', 'pr.name as provider', 'p.flat_number'])
    .where('pa.payer_code', '=', payerCode)
    .executeTakeFirst();
  if (!account) {
    return { kind: 'invalid', errors: { payerCode: 'Лицевой счёт с таким номером не найден. Сверьте номер с единым платёжным документом' } };
  }
  if (!sameFlat(account.flat_number, flat)) {
    return { kind: 'invalid', errors: { flat: 'Эта квартира не относится к указанному лицевому счёту. Сверьте номер квартиры с единым платёжным документом' } };
  }
  if (String(account.provider_id) !== input.form.providerId) {
    return { kind: 'invalid', errors: { providerId: 'Этот лицевой счёт обслуживает другая организация. Она указана в едином платёжном документе' } };
  }
  const owner = await trx
    .selectFrom('account_links')
    .select('resident_id')
    .where('payer_account_id', '=', account.id)
    .where('status', '=', 'approved')
    .executeTakeFirst();
  if (owner) return owner.resident_id === input.residentId ? { kind: 'duplicate' } : { kind: 'has-owner', provider: account.provider };
  const row = await trx
    .insertInto('account_links')
    .values({
      resident_id: input.residentId,
      requested_payer_code: payerCode,
      requested_provider_id: account.provider_id,
      requested_flat: flat,
      consented_at: input.now,
      created_at: input.now,
    })
    .onConflict((oc) =>
      oc.columns(['resident_id', 'requested_payer_code']).where('status', 'in', ['pending', 'approved']).doNothing(),
    )
    .returning('id')
    .executeTakeFirst();
  return row ? { kind: 'filed', id: row.id } : { kind: 'duplicate' };
}

/** The resident withdraws their own pending request; false when there is none to withdraw. */
export async function withdrawLink(trx: Transaction<Database>, input: { residentId: number; linkId: number; now: Date }): Promise<boolean> {
  const row = await trx
    .updateTable('account_links')
    .set({ status: 'withdrawn', decided_at: input.now })
    .where('id', '=', input.linkId)
    .where('resident_id', '=', input.residentId)
    .where('status', '=', 'pending')
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/** Hides a refused or withdrawn request from the resident's list (the moderator's history keeps it). */
export async function hideLink(trx: Transaction<Database>, input: { residentId: number; linkId: number; now: Date }): Promise<boolean> {
  const row = await trx
    .updateTable('account_links')
    .set({ hidden_at: input.now })
    .where('id', '=', input.linkId)
    .where('resident_id', '=', input.residentId)
    .where('status', 'in', ['rejected', 'withdrawn'])
    .where('hidden_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}
