import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

export type BillSummary = {
  accountId: number;
  period: string;
  dueDate: string;
  amountDueKopecks: number;
};

/** The newest bill of each account, in one query (the unique (account, period) index serves it). */
export async function latestBills(db: Kysely<Database>, accountIds: number[]): Promise<Map<number, BillSummary>> {
  if (accountIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('bills')
    .select(['payer_account_id', 'period', 'due_date', 'amount_due_kopecks'])
    .distinctOn('payer_account_id')
    .where('payer_account_id', 'in', accountIds)
    .orderBy('payer_account_id')
    .orderBy('period', 'desc')
    .execute();
  return new Map(
    rows.map((r) => [
      r.payer_account_id,
      { accountId: r.payer_account_id, period: r.period, dueDate: r.due_date, amountDueKopecks: r.amount_due_kopecks },
    ]),
  );
}
