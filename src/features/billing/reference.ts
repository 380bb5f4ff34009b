import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { recordAudit } from '../../audit/writer.js';
import type { Zone } from './tables.js';
import type { Dated } from './rules.js';
import type { RateTables } from './penalty.js';

// Reference data read by the bill run and the pages, and the admin's changes to it.

export type ServiceInfo = { code: string; name: string; unit: string; basis: string };

export async function listServices(db: Kysely<Database>): Promise<ServiceInfo[]> {
  return db.selectFrom('services').select(['code', 'name', 'unit', 'basis']).orderBy('sort_order').orderBy('code').execute();
}

export type TariffRow = {
  id: number;
  service: string;
  serviceName: string;
  unit: string;
  plan: number;
  zone: Zone;
  priceKopecks: number;
  validFrom: string;
  validTo: string | null;
  current: boolean;
};

/** Every tariff row, newest first within a service and zone; `current` marks the one in force on `today`. */
export async function listTariffs(db: Kysely<Database>, today: string): Promise<TariffRow[]> {
  const rows = await db
    .selectFrom('tariffs as t')
    .innerJoin('services as s', 's.code', 't.service')
    .select(['t.id', 't.service', 's.name', 's.unit', 't.plan', 't.zone', 't.price_kopecks', 't.valid_from', 't.valid_to', 's.sort_order'])
    .orderBy('s.sort_order')
    .orderBy('t.plan')
    .orderBy('t.zone')
    .orderBy('t.valid_from', 'desc')
    .orderBy('t.id', 'desc')
    .execute();
  const seen = new Set<string>();
  return rows.map((r) => {
    const key = `${r.service}/${r.plan}/${r.zone}`;
    const inForce = r.valid_from <= today && (r.valid_to === null || r.valid_to >= today);
    const current = inForce && !seen.has(key);
    if (inForce) seen.add(key);
    return {
      id: r.id, service: r.service, serviceName: r.name, unit: r.unit, plan: r.plan, zone: r.zone,
      priceKopecks: r.price_kopecks, validFrom: r.valid_from, validTo: r.valid_to, current,
    };
  });
}

export type NewTariff = { service: string; plan: number; zone: Zone; priceKopecks: number; validFrom: string; validTo: string | null };

/** Adds a dated tariff row; refused when the same service, plan and zone already has a row from that date. */
export async function addTariff(trx: Transaction<Database>, tariff: NewTariff, by: { staffId: number; ip: string }): Promise<{ ok: true; id: number } | { ok: false }> {
  const row = await trx
    .insertInto('tariffs')
    .values({ service: tariff.service, plan: tariff.plan, zone: tariff.zone, price_kopecks: tariff.priceKopecks, valid_from: tariff.validFrom, valid_to: tariff.validTo, created_by: by.staffId })
    .onConflict((oc) => oc.columns(['service', 'plan', 'zone', 'valid_from']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!row) return { ok: false };
  await recordAudit(trx, { staffId: by.staffId, action: 'tariff.added', subjectType: 'tariff', subjectId: row.id, details: { ...tariff }, ip: by.ip });
  return { ok: true, id: row.id };
}

export type PayeeInfo = { id: number; name: string; inn: string; kpp: string; bankName: string; bic: string; account: string; corrAccount: string };

export async function listPayees(db: Kysely<Database>): Promise<PayeeInfo[]> {
  const rows = await db.selectFrom('payees').selectAll().orderBy('name').orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, name: r.name, inn: r.inn, kpp: r.kpp, bankName: r.bank_name, bic: r.bic, account: r.account, corrAccount: r.corr_account }));
}

export type NewPayee = { name: string; inn: string; kpp: string; bankName: string; bic: string; account: string; corrAccount: string };

/** Adds a payee; refused when one of that name exists (names print on the ЕПД and must tell payees apart). */
export async function addPayee(trx: Transaction<Database>, payee: NewPayee, by: { staffId: number; ip: string }): Promise<{ ok: true; id: number } | { ok: false }> {
  const row = await trx
    .insertInto('payees')
    .values({ name: payee.name, inn: payee.inn, kpp: payee.kpp, bank_name: payee.bankName, bic: payee.bic, account: payee.account, corr_account: payee.corrAccount })
    .onConflict((oc) => oc.column('name').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!row) return { ok: false };
  await recordAudit(trx, { staffId: by.staffId, action: 'payee.added', subjectType: 'payee', subjectId: row.id, details: { ...payee }, ip: by.ip });
  return { ok: true, id: row.id };
}

export type BillingReference = { dueDays: Dated<number>[]; rates: RateTables };

/** The dated tables the bill run and «Расчёт пеней» need, read once. */
export async function billingReference(db: Kysely<Database>): Promise<BillingReference> {
  const [dueDays, keyRates, caps] = await Promise.all([
    db.selectFrom('due_days').select(['valid_from', 'day']).execute(),
    db.selectFrom('key_rates').select(['valid_from', 'rate']).execute(),
    db.selectFrom('penalty_rate_caps').select(['valid_from', 'cap']).execute(),
  ]);
  return {
    dueDays: dueDays.map((r) => ({ validFrom: r.valid_from, value: r.day })),
    rates: {
      keyRates: keyRates.map((r) => ({ validFrom: r.valid_from, value: Number(r.rate) })),
      caps: caps.map((r) => ({ validFrom: r.valid_from, value: r.cap === null ? null : Number(r.cap) })),
    },
  };
}
