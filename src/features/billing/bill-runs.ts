import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { recordAudit } from '../../audit/writer.js';
import { enqueueJob } from '../../jobs/outbox.js';
import { addMonths, periodOf } from '../../lib/calendar.js';
import type { BillRunTable } from './tables.js';
import { runBilling } from './run.js';

// A bill run as a record: who asked for which period, how far it got, how it ended.
// The back office and the monthly schedule start one through the outbox; the
// worker executes it block by block and writes its progress after each block.

export const BILL_RUN_JOB = 'billing.run';

export type BillRun = {
  id: number;
  period: string;
  status: Selectable<BillRunTable>['status'];
  totalAccounts: number;
  doneAccounts: number;
  billsCreated: number;
  error: string | null;
  createdAt: Date;
  finishedAt: Date | null;
};

function toBillRun(row: Selectable<BillRunTable>): BillRun {
  return {
    id: row.id, period: row.period, status: row.status, totalAccounts: row.total_accounts, doneAccounts: row.done_accounts,
    billsCreated: row.bills_created, error: row.error, createdAt: row.created_at, finishedAt: row.finished_at,
  };
}

/**
 * Queues a run for the period, or returns the one already queued or running for it.
 * `enqueue: false` only records it, for a caller that executes it itself (the CLI).
 */
export async function startBillRun(
  trx: Transaction<Database>,
  input: { period: string; by: { staffId: number; ip: string } | null; enqueue?: boolean },
): Promise<number> {
  const open = await trx
    .selectFrom('bill_runs')
    .select('id')
    .where('period', '=', input.period)
    .where('status', 'in', ['queued', 'running'])
    .forUpdate()
    .executeTakeFirst();
  if (open) return open.id;
  const run = await trx
    .insertInto('bill_runs')
    .values({ period: input.period, started_by: input.by?.staffId ?? null })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (input.enqueue !== false) await enqueueJob(trx, BILL_RUN_JOB, { runId: run.id });
  if (input.by) {
    await recordAudit(trx, { staffId: input.by.staffId, action: 'bill-run.started', subjectType: 'bill_run', subjectId: run.id, details: { period: input.period }, ip: input.by.ip });
  }
  return run.id;
}

/** Executes a queued run. Safe to run twice: bills already made for the period are left alone. */
export async function executeBillRun(db: Kysely<Database>, runId: number, now: Date): Promise<BillRun | undefined> {
  const run = await db.selectFrom('bill_runs').selectAll().where('id', '=', runId).executeTakeFirst();
  if (!run || run.status === 'done') return run && toBillRun(run);
  await db.updateTable('bill_runs').set({ status: 'running', error: null }).where('id', '=', runId).execute();
  try {
    const result = await runBilling(db, {
      period: run.period,
      now,
      onProgress: async ({ accounts, total, bills }) => {
        await db.updateTable('bill_runs').set({ total_accounts: total, done_accounts: accounts, bills_created: bills }).where('id', '=', runId).execute();
      },
    });
    await db.updateTable('bill_runs').set({ status: 'done', bills_created: result.bills, finished_at: now }).where('id', '=', runId).execute();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await db.updateTable('bill_runs').set({ status: 'failed', error: message.slice(0, 500), finished_at: now }).where('id', '=', runId).execute();
  }
  const finished = await db.selectFrom('bill_runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow();
  return toBillRun(finished);
}

export async function findBillRun(db: Kysely<Database>, id: number): Promise<BillRun | undefined> {
  const row = await db.selectFrom('bill_runs').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toBillRun(row);
}

export async function recentBillRuns(db: Kysely<Database>, limit = 20): Promise<BillRun[]> {
  const rows = await db.selectFrom('bill_runs').selectAll().orderBy('id', 'desc').limit(limit).execute();
  return rows.map(toBillRun);
}

/** The day of the month from which the previous month is billed: after the water readings window closes on the 3rd. */
export const BILL_RUN_FROM_DAY = 4;

/** The scheduled check: once the readings window has closed, bill last month if nobody has. */
export async function billLastMonthIfDue(db: Kysely<Database>, today: string): Promise<number | null> {
  if (Number(today.slice(8, 10)) < BILL_RUN_FROM_DAY) return null;
  const period = addMonths(periodOf(today), -1);
  const existing = await db.selectFrom('bill_runs').select('id').where('period', '=', period).where('status', '!=', 'failed').executeTakeFirst();
  if (existing) return null;
  return db.transaction().execute((trx) => startBillRun(trx, { period, by: null }));
}
