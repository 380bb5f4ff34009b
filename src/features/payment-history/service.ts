import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { addDays, moscowMidnight } from '../../lib/calendar.js';
import type { PaymentKind, PaymentMethod, PaymentStatus } from '../payments/tables.js';
import type { HistoryFilter } from './filter.js';

// «История платежей»: the payments to the accounts a resident may see (own links
// and co-owner grants), newest first. Callers pass those account ids; a filter on
// another account finds nothing.

export type HistoryEntry = {
  id: number;
  createdAt: Date;
  paidAt: Date | null;
  accountId: number;
  payerCode: string;
  amountKopecks: number;
  method: PaymentMethod;
  kind: PaymentKind;
  status: PaymentStatus;
  transactionId: string | null;
};

function entries(db: Kysely<Database>, accountIds: number[], filter: HistoryFilter) {
  const accounts = filter.accountId === null ? accountIds : accountIds.filter((id) => id === filter.accountId);
  return db
    .selectFrom('online_payments as op')
    .innerJoin('payer_accounts as pa', 'pa.id', 'op.payer_account_id')
    .where('op.payer_account_id', 'in', accounts.length > 0 ? accounts : [-1])
    .$if(filter.status !== null, (q) => q.where('op.status', '=', filter.status!))
    .$if(filter.from !== null, (q) => q.where('op.created_at', '>=', moscowMidnight(filter.from!)))
    .$if(filter.to !== null, (q) => q.where('op.created_at', '<', moscowMidnight(addDays(filter.to!, 1))));
}

function ordered(db: Kysely<Database>, accountIds: number[], filter: HistoryFilter) {
  return entries(db, accountIds, filter)
    .select(['op.id', 'op.created_at', 'op.paid_at', 'op.payer_account_id', 'pa.payer_code', 'op.amount_kopecks', 'op.method', 'op.kind', 'op.status', 'op.transaction_id'])
    .orderBy('op.created_at', 'desc')
    .orderBy('op.id', 'desc');
}

type EntryRow = Awaited<ReturnType<ReturnType<typeof ordered>['execute']>>[number];

function toEntry(row: EntryRow): HistoryEntry {
  return {
    id: Number(row.id),
    createdAt: new Date(row.created_at),
    paidAt: row.paid_at ? new Date(row.paid_at) : null,
    accountId: row.payer_account_id,
    payerCode: row.payer_code,
    amountKopecks: Number(row.amount_kopecks),
    method: row.method,
    kind: row.kind,
    status: row.status,
    transactionId: row.transaction_id,
  };
}

/** One page of the history and how many entries the filter finds. */
export async function paymentHistory(
  db: Kysely<Database>,
  accountIds: number[],
  filter: HistoryFilter,
  page: { limit: number; offset: number },
): Promise<{ entries: HistoryEntry[]; total: number }> {
  const [rows, count] = await Promise.all([
    ordered(db, accountIds, filter).limit(page.limit).offset(page.offset).execute(),
    entries(db, accountIds, filter).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { entries: rows.map(toEntry), total: Number(count.n) };
}

/** Every entry the filter finds, in pages of `batchSize` (keyset, so a long history costs the same per page): for the CSV. */
export async function* allPaymentHistory(db: Kysely<Database>, accountIds: number[], filter: HistoryFilter, batchSize = 500): AsyncGenerator<HistoryEntry> {
  let after: { createdAt: Date; id: number } | null = null;
  for (;;) {
    const cursor: { createdAt: Date; id: number } | null = after;
    const rows: EntryRow[] = await ordered(db, accountIds, filter)
      .$if(cursor !== null, (q) => q.where((eb) => eb(eb.refTuple('op.created_at', 'op.id'), '<', eb.tuple(cursor!.createdAt, cursor!.id))))
      .limit(batchSize)
      .execute();
    for (const row of rows) yield toEntry(row);
    if (rows.length < batchSize) return;
    const last = rows[rows.length - 1]!;
    after = { createdAt: new Date(last.created_at), id: Number(last.id) };
  }
}
