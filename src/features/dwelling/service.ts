import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { periodOf } from '../../lib/calendar.js';
import { firstPeriodOfChange } from './rules.js';

export type DwellingChange = { area: number; residentsCount: number; effectiveFrom: string; submittedAt: Date; submittedBy: string };

export type Dwelling = {
  area: number;
  residentsCount: number;
  /** A submitted change that applies from a later period. */
  upcoming: DwellingChange | null;
  history: DwellingChange[];
};

/**
 * The area and residents count that apply to `period`: the newest change effective
 * by then, or the registry's values when the owner never changed them.
 */
export async function dwellingFor(db: Kysely<Database>, accountId: number, period: string): Promise<{ area: number; residentsCount: number }> {
  const row = await db
    .selectFrom('payer_accounts as pa')
    .innerJoin('premises as p', 'p.id', 'pa.premises_id')
    .leftJoin(
      (eb) =>
        eb
          .selectFrom('dwelling_changes')
          .select(['payer_account_id', 'area', 'residents_count'])
          .where('payer_account_id', '=', accountId)
          .where('effective_from', '<=', period)
          .orderBy('effective_from', 'desc')
          .orderBy('id', 'desc')
          .limit(1)
          .as('c'),
      (join) => join.onRef('c.payer_account_id', '=', 'pa.id'),
    )
    .select(['p.area as registry_area', 'p.residents_count as registry_residents', 'c.area', 'c.residents_count'])
    .where('pa.id', '=', accountId)
    .executeTakeFirstOrThrow();
  return { area: row.area ?? row.registry_area, residentsCount: row.residents_count ?? row.registry_residents };
}

export async function dwellingOf(db: Kysely<Database>, accountId: number, today: string): Promise<Dwelling> {
  const current = await dwellingFor(db, accountId, periodOf(today));
  const rows = await db
    .selectFrom('dwelling_changes as c')
    .innerJoin('residents as r', 'r.id', 'c.submitted_by')
    .select(['c.area', 'c.residents_count', 'c.effective_from', 'c.submitted_at', 'r.email'])
    .where('c.payer_account_id', '=', accountId)
    .orderBy('c.effective_from', 'desc')
    .orderBy('c.id', 'desc')
    .execute();
  const history = rows.map((r) => ({
    area: r.area,
    residentsCount: r.residents_count,
    effectiveFrom: r.effective_from,
    submittedAt: r.submitted_at,
    submittedBy: r.email,
  }));
  const upcoming = history.find((h) => h.effectiveFrom > periodOf(today)) ?? null;
  return { ...current, upcoming, history };
}

/** Records a change that applies from the next billing period; the history keeps every one. */
export async function submitDwellingChange(
  db: Kysely<Database>,
  input: { accountId: number; residentId: number; area: number; residentsCount: number; today: string; now: Date },
): Promise<string> {
  const effectiveFrom = firstPeriodOfChange(input.today);
  await db
    .insertInto('dwelling_changes')
    .values({
      payer_account_id: input.accountId,
      area: input.area,
      residents_count: input.residentsCount,
      effective_from: effectiveFrom,
      submitted_by: input.residentId,
      submitted_at: input.now,
    })
    .execute();
  return effectiveFrom;
}
