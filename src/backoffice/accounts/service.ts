import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { RESOURCE_NAMES } from '../../features/readings/rules.js';
import { normalisePayerCode } from '../../features/linking/rules.js';
import { holdersOf, type Holder } from '../link-requests/service.js';
import { transfersOf, type Transfer } from './ownership.js';
import { type Resource } from '../../features/readings/tables.js';

// «Лицевые счета»: staff look payer accounts up by payer code or address, see the
// meters and record meter replacements.

export const PAGE_SIZE = 20;

export type AccountRow = { id: number; payerCode: string; address: string; flat: string; provider: string };

function accountsQuery(db: Kysely<Database>) {
  return db
    .selectFrom('payer_accounts as pa')
    .innerJoin('premises as p', 'p.id', 'pa.premises_id')
    .innerJoin('buildings as b', 'b.id', 'p.building_id')
    .innerJoin('providers as pr', 'pr.id', 'pa.provider_id')
    .select(['pa.id', 'pa.payer_code', 'b.address', 'p.flat_number', 'pr.name as provider']);
}

/**
 * A full payer code (spaces and dashes allowed) finds that account; any other text
 * is looked for in addresses (trigram index on lower(address)).
 */
export async function searchAccounts(db: Kysely<Database>, q: string, page: number): Promise<{ accounts: AccountRow[]; hasNext: boolean }> {
  const text = q.trim();
  if (text === '') return { accounts: [], hasNext: false };
  const code = normalisePayerCode(text);
  let query = accountsQuery(db);
  if (code) query = query.where('pa.payer_code', '=', code);
  else {
    const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where(sql<string>`lower(b.address)`, 'like', pattern);
  }
  const rows = await query
    .orderBy('b.address')
    .orderBy(sql`length(p.flat_number)`)
    .orderBy('p.flat_number')
    .orderBy('pa.id')
    .limit(PAGE_SIZE + 1)
    .offset((page - 1) * PAGE_SIZE)
    .execute();
  return {
    accounts: rows.slice(0, PAGE_SIZE).map((r) => ({ id: r.id, payerCode: r.payer_code, address: r.address, flat: r.flat_number, provider: r.provider })),
    hasNext: rows.length > PAGE_SIZE,
  };
}

export type StaffMeter = {
  id: number;
  resource: Resource;
  resourceName: string;
  serialNumber: string;
  zones: number;
  nextVerificationDate: string;
  installedOn: string;
  replacedOn: string | null;
  active: boolean;
  lastPeriod: string | null;
  lastValues: number[] | null;
};

export type AccountDetail = AccountRow & { area: number; residentsCount: number; holders: Holder[]; transfers: Transfer[]; meters: StaffMeter[] };

export async function accountDetail(db: Kysely<Database>, id: number): Promise<AccountDetail | null> {
  const row = await accountsQuery(db).select(['p.area', 'p.residents_count']).where('pa.id', '=', id).executeTakeFirst();
  if (!row) return null;
  const [holders, transfers] = [await holdersOf(db, id), await transfersOf(db, id)];
  const meters = await db
    .selectFrom('meters as m')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('meter_readings as mr')
          .select(['mr.period', 'mr.value_t1', 'mr.value_t2', 'mr.value_t3'])
          .whereRef('mr.meter_id', '=', 'm.id')
          .orderBy('mr.period', 'desc')
          .limit(1)
          .as('last'),
      (join) => join.onTrue(),
    )
    .selectAll('m')
    .select(['last.period', 'last.value_t1', 'last.value_t2', 'last.value_t3'])
    .where('m.payer_account_id', '=', id)
    .orderBy('m.active', 'desc')
    .orderBy('m.resource')
    .orderBy('m.id')
    .execute();
  return {
    id: row.id,
    payerCode: row.payer_code,
    address: row.address,
    flat: row.flat_number,
    provider: row.provider,
    area: row.area,
    residentsCount: row.residents_count,
    holders,
    transfers,
    meters: meters.map((m) => ({
      id: m.id,
      resource: m.resource,
      resourceName: RESOURCE_NAMES[m.resource],
      serialNumber: m.serial_number,
      zones: m.zones,
      nextVerificationDate: m.next_verification_date,
      installedOn: m.installed_on,
      replacedOn: m.replaced_on,
      active: m.active,
      lastPeriod: m.period,
      lastValues: m.value_t1 === null ? null : [m.value_t1, m.value_t2 ?? 0, m.value_t3 ?? 0].slice(0, m.zones),
    })),
  };
}
