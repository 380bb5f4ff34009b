import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { parseId } from '../../security/input.js';

// Which payer accounts a resident may reach, and with which rights. Every
// resident-facing query about an account starts here, so ids of someone else's
// account find nothing (and the routes answer 404).

/** 'owner': an approved link; 'view_pay' / 'view': an accepted, unrevoked co-owner grant. */
export type AccountRights = 'owner' | 'view_pay' | 'view';

export type Action = 'view' | 'pay' | 'submit-readings' | 'change-dwelling' | 'invite' | 'file-request';

const ALLOWED: Record<AccountRights, Action[]> = {
  owner: ['view', 'pay', 'submit-readings', 'change-dwelling', 'invite', 'file-request'],
  // A co-owner with «Просмотр» reads requests; one who may pay may also file them.
  view_pay: ['view', 'pay', 'file-request'],
  view: ['view'],
};

export function can(rights: AccountRights, action: Action): boolean {
  return ALLOWED[rights].includes(action);
}

export type AccessibleAccount = {
  id: number;
  payerCode: string;
  provider: string;
  address: string;
  flat: string;
  /** The building, for what concerns the whole house (outage notices). */
  buildingId: number;
  rights: AccountRights;
};

const RANK: Record<AccountRights, number> = { owner: 3, view_pay: 2, view: 1 };

// Owned accounts and accepted grants; an account may appear twice (owned and shared).
function accessQuery(db: Kysely<Database>, residentId: number) {
  const owned = db
    .selectFrom('account_links')
    .select(['payer_account_id as account_id', sql<AccountRights>`'owner'`.as('rights')])
    .where('resident_id', '=', residentId)
    .where('status', '=', 'approved');
  const shared = db
    .selectFrom('co_owner_grants')
    .select(['payer_account_id as account_id', 'rights'])
    .where('accepted_by', '=', residentId)
    .where('revoked_at', 'is', null);
  return owned.unionAll(shared);
}

/** The ids of the accounts a resident may see, as a subquery: reads read together start from it. */
export function accessibleAccountIds(db: Kysely<Database>, residentId: number) {
  return db.selectFrom(accessQuery(db, residentId).as('access')).select('access.account_id');
}

export type AccountIdsQuery = ReturnType<typeof accessibleAccountIds>;

/** The buildings of the accounts a resident may see, as a subquery. */
export function accessibleBuildingIds(db: Kysely<Database>, residentId: number) {
  return db
    .selectFrom('payer_accounts as pa')
    .innerJoin('premises as p', 'p.id', 'pa.premises_id')
    .select('p.building_id')
    .where('pa.id', 'in', accessibleAccountIds(db, residentId));
}

export type BuildingIdsQuery = ReturnType<typeof accessibleBuildingIds>;

/** The accounts a resident may see with their rights: rows for toAccessibleAccounts. */
export function accessibleAccountsQuery(db: Kysely<Database>, residentId: number) {
  return db
    .selectFrom(accessQuery(db, residentId).as('access'))
    .innerJoin('payer_accounts as pa', 'pa.id', 'access.account_id')
    .innerJoin('premises as p', 'p.id', 'pa.premises_id')
    .innerJoin('buildings as b', 'b.id', 'p.building_id')
    .innerJoin('providers as pr', 'pr.id', 'pa.provider_id')
    .select(['pa.id', 'pa.payer_code', 'pr.name as provider', 'b.address', 'p.flat_number', 'p.building_id', 'access.rights']);
}

type AccessRow = { id: number | null; payer_code: string; provider: string; address: string; flat_number: string; building_id: number; rights: AccountRights };

/** One entry per account, with the strongest rights the resident has on it, by payer code. */
export function toAccessibleAccounts(rows: AccessRow[]): AccessibleAccount[] {
  const best = new Map<number, AccessibleAccount>();
  for (const row of rows) {
    const id = row.id!;
    const existing = best.get(id);
    if (existing && RANK[existing.rights] >= RANK[row.rights]) continue;
    best.set(id, { id, payerCode: row.payer_code, provider: row.provider, address: row.address, flat: row.flat_number, buildingId: row.building_id, rights: row.rights });
  }
  return [...best.values()].sort((a, b) => a.payerCode.localeCompare(b.payerCode));
}

/** Every account the resident may see, owned ones and shared ones, by payer code. */
export async function accessibleAccounts(db: Kysely<Database>, residentId: number): Promise<AccessibleAccount[]> {
  return toAccessibleAccounts((await accessibleAccountsQuery(db, residentId).execute()) as AccessRow[]);
}

/** One account, if the resident may see it; null otherwise (the caller answers 404). */
export async function accountFor(db: Kysely<Database>, residentId: number, accountId: number): Promise<AccessibleAccount | null> {
  const rows = await accessibleAccountsQuery(db, residentId).where('pa.id', '=', accountId).execute();
  return toAccessibleAccounts(rows as AccessRow[])[0] ?? null;
}

/** The account a URL's id names, if the resident may see it; null (404) otherwise, a malformed id too. */
export async function accountInUrl(db: Kysely<Database>, residentId: number, rawId: unknown): Promise<AccessibleAccount | null> {
  const accountId = parseId(rawId);
  return accountId === null ? null : accountFor(db, residentId, accountId);
}
