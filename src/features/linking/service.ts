import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { normalisePayerCode } from './rules.js';
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

/** The resident's requests and links, newest first, with the address once approved. */
export async function linksOf(db: Kysely<Database>, residentId: number): Promise<LinkSummary[]> {
  const rows = await db
    .selectFrom('account_links as l')
    .innerJoin('providers as pr', 'pr.id', 'l.requested_provider_id')
    .leftJoin('payer_accounts as pa', 'pa.id', 'l.payer_account_id')
    .leftJoin('premises as p', 'p.id', 'pa.premises_id')
    .leftJoin('buildings as b', 'b.id', 'p.building_id')
    .select(['l.id', 'l.requested_payer_code', 'l.requested_flat', 'pr.name as provider', 'l.status', 'l.reason', 'b.address', 'l.payer_account_id', 'l.created_at'])
    .where('l.resident_id', '=', residentId)
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
  const flat = form.flat.trim();
  if (flat === '') errors.flat = 'Введите номер квартиры';
  else if (flat.length > 10) errors.flat = 'Номер квартиры — не больше 10 символов';
  if (!form.consent) errors.consent = 'Подтвердите согласие с условиями подключения услуги';
  return errors;
}

/**
 * Files a request for a moderator. Whether the account exists is not said here
 * (that would let anyone probe payer codes); the moderator compares it with the
 * registry. A second open request for the same code is refused.
 */
export async function requestLink(
  db: Kysely<Database>,
  input: { residentId: number; form: LinkForm; now: Date },
): Promise<{ ok: true; id: number } | { ok: false; reason: 'duplicate' }> {
  const payerCode = normalisePayerCode(input.form.payerCode)!;
  const row = await db
    .insertInto('account_links')
    .values({
      resident_id: input.residentId,
      requested_payer_code: payerCode,
      requested_provider_id: Number(input.form.providerId),
      requested_flat: input.form.flat.trim(),
      consented_at: input.now,
      created_at: input.now,
    })
    .onConflict((oc) =>
      oc.columns(['resident_id', 'requested_payer_code']).where('status', 'in', ['pending', 'approved']).doNothing(),
    )
    .returning('id')
    .executeTakeFirst();
  return row ? { ok: true, id: row.id } : { ok: false, reason: 'duplicate' };
}
