import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { moscowDate } from '../../lib/calendar.js';
import type { AcquirerPaymentState } from './acquirer.js';
import { afterParts, allocatePayment, billingRows, type AccountDebt, type AllocationPart, type OpenLine } from './allocation.js';
import { announcePaymentSucceeded } from './events.js';
import type { OnlinePaymentTable, PaymentKind, PaymentMethod, PaymentStatus } from './tables.js';

export type OnlinePayment = Selectable<OnlinePaymentTable>;

/** A pending payment is given up after this long, once the acquirer confirms it never decided. */
export const PENDING_LIFETIME_MS = 30 * 60_000;
export const FINAL_STATUSES: PaymentStatus[] = ['succeeded', 'failed', 'expired'];

export type NewPayment = {
  residentId: number;
  accountId: number;
  idempotencyKey: string;
  method: PaymentMethod;
  amountKopecks: number;
  advanceKopecks: number;
  forPeriod: string | null;
  saveCard: boolean;
  acquirer: string;
  kind?: PaymentKind;
  /** Chosen services and their amounts; empty for «Оплатить всё». */
  items: { service: string; amountKopecks: number }[];
};

/**
 * Records a payment in status 'created', once per (resident, idempotency key): the
 * unique constraint decides between concurrent posts of one form (the losers' inserts
 * wait for the winner's commit, then do nothing), and every post gets the same row.
 */
export async function createPayment(trx: Transaction<Database>, input: NewPayment): Promise<{ payment: OnlinePayment; created: boolean }> {
  const inserted = await trx
    .insertInto('online_payments')
    .values({
      resident_id: input.residentId,
      payer_account_id: input.accountId,
      idempotency_key: input.idempotencyKey,
      method: input.method,
      kind: input.kind ?? 'one_off',
      amount_kopecks: input.amountKopecks,
      advance_kopecks: input.advanceKopecks,
      for_period: input.forPeriod,
      save_card: input.saveCard,
      acquirer: input.acquirer,
    })
    .onConflict((oc) => oc.constraint('online_payments_idempotency_key').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) {
    if (input.items.length > 0) {
      await trx
        .insertInto('online_payment_items')
        .values(input.items.map((item) => ({ payment_id: inserted.id, service: item.service, amount_kopecks: item.amountKopecks })))
        .execute();
    }
    return { payment: inserted, created: true };
  }
  const existing = await trx
    .selectFrom('online_payments')
    .selectAll()
    .where('resident_id', '=', input.residentId)
    .where('idempotency_key', '=', input.idempotencyKey)
    .executeTakeFirstOrThrow();
  return { payment: existing, created: false };
}

/** The acquirer accepted the payment and gave its page: the resident goes there. */
export async function markSentToAcquirer(db: Kysely<Database>, paymentId: number, created: { acquirerPaymentId: string; confirmationUrl: string }, now: Date): Promise<void> {
  await db
    .updateTable('online_payments')
    .set({ acquirer_payment_id: created.acquirerPaymentId, confirmation_url: created.confirmationUrl, status: 'pending', pending_at: now })
    .where('id', '=', paymentId)
    .where('status', '=', 'created')
    .execute();
}

/** A payment of the resident's, or null: every resident-facing lookup goes through this. */
export async function paymentOf(db: Kysely<Database>, residentId: number, paymentId: number): Promise<OnlinePayment | null> {
  return (await db.selectFrom('online_payments').selectAll().where('id', '=', paymentId).where('resident_id', '=', residentId).executeTakeFirst()) ?? null;
}

export async function paymentItems(db: Kysely<Database>, paymentId: number): Promise<{ service: string; amountKopecks: number }[]> {
  const rows = await db.selectFrom('online_payment_items').select(['service', 'amount_kopecks']).where('payment_id', '=', paymentId).orderBy('service').execute();
  return rows.map((r) => ({ service: r.service, amountKopecks: Number(r.amount_kopecks) }));
}

/**
 * What the account owes, line by line: every bill line less the allocations of
 * online payments; money without allocations (payments recorded before online
 * payment, advances) is spread by the same rules, oldest first.
 */
export async function accountDebt(db: Kysely<Database>, accountId: number): Promise<AccountDebt> {
  const [lines, latest, allocated, unallocated, mainPayee] = await Promise.all([
    sql<{ bill_id: number; period: string; service: string; payee_id: number; penalty_kind: OpenLine['penaltyKind']; total: string }>`
      select b.id as bill_id, b.period, bl.service, coalesce(bl.payee_id, s.payee_id, main.id) as payee_id, s.penalty_kind,
             sum(bl.total_kopecks)::bigint as total
      from bills b
      join bill_lines bl on bl.bill_id = b.id
      join services s on s.code = bl.service
      join payer_accounts pa on pa.id = b.payer_account_id
      left join payees main on main.provider_id = pa.provider_id
      where b.payer_account_id = ${accountId}
      group by b.id, b.period, bl.service, coalesce(bl.payee_id, s.payee_id, main.id), s.penalty_kind, s.sort_order
      order by b.period, s.sort_order, bl.service`.execute(db),
    db.selectFrom('bills').select(['id', 'penalty_kopecks']).where('payer_account_id', '=', accountId).orderBy('period', 'desc').limit(1).executeTakeFirst(),
    db
      .selectFrom('payment_allocations')
      .select(['kind', 'bill_id', 'service', 'payee_id', (eb) => eb.fn.sum<string>('amount_kopecks').as('amount')])
      .where('payer_account_id', '=', accountId)
      .groupBy(['kind', 'bill_id', 'service', 'payee_id'])
      .execute(),
    db
      .selectFrom('payments')
      .select(['amount_kopecks', 'for_period'])
      .where('payer_account_id', '=', accountId)
      .where('online_payment_id', 'is', null)
      .orderBy('paid_on')
      .orderBy('id')
      .execute(),
    db
      .selectFrom('payer_accounts as pa')
      .innerJoin('payees as p', 'p.provider_id', 'pa.provider_id')
      .select('p.id')
      .where('pa.id', '=', accountId)
      .executeTakeFirst(),
  ]);
  if (!mainPayee) throw new Error(`account ${accountId} has no managing organisation's payee`);
  let debt: AccountDebt = {
    lines: lines.rows
      .filter((l) => l.payee_id !== null)
      .map((l) => ({ billId: l.bill_id, period: l.period, service: l.service, payeeId: l.payee_id, penaltyKind: l.penalty_kind, unpaidKopecks: Math.max(0, Number(l.total)) })),
    penalty: latest && latest.penalty_kopecks > 0 ? { billId: latest.id, unpaidKopecks: latest.penalty_kopecks } : null,
    mainPayeeId: mainPayee.id,
  };
  // Allocations of online payments, as recorded. A penalty on a bill is the whole penalty
  // accrued by then, so every penalty paid before counts against the latest one.
  const recorded: AllocationPart[] = [];
  let credit = 0;
  for (const row of allocated) {
    const amount = Number(row.amount);
    if (row.kind === 'debt') {
      recorded.push({ kind: 'debt', billId: row.bill_id!, period: '', service: row.service!, payeeId: row.payee_id, penaltyKind: 'utilities', amountKopecks: amount });
    } else if (row.kind === 'penalty' && debt.penalty) {
      recorded.push({ kind: 'penalty', billId: debt.penalty.billId, payeeId: row.payee_id, amountKopecks: amount });
    } else if (row.kind === 'advance') {
      credit += amount;
    }
  }
  debt = afterParts(debt, recorded);
  for (const payment of unallocated) {
    debt = afterParts(debt, allocatePayment(debt, { amountKopecks: Number(payment.amount_kopecks), forPeriod: payment.for_period, items: [] }));
  }
  // An advance paid before pays the lines billed since.
  if (credit > 0) debt = afterParts(debt, allocatePayment(debt, { amountKopecks: credit, forPeriod: null, items: [] }));
  return debt;
}

export type ApplyOutcome = 'unknown' | 'mismatch' | 'unchanged' | PaymentStatus;

/**
 * Applies what the acquirer says (a verified notification or an answer to a status
 * query): the only way a status moves. Final statuses never move again, so a
 * duplicate, a replay or a late 'pending' changes nothing; a success allocates the
 * money, records it for billing and announces it, all in one transaction.
 */
export async function applyAcquirerState(db: Kysely<Database>, acquirer: string, state: AcquirerPaymentState, now: Date): Promise<ApplyOutcome> {
  return db.transaction().execute(async (trx) => {
    const payment = await trx
      .selectFrom('online_payments')
      .selectAll()
      .where('acquirer', '=', acquirer)
      .where((eb) =>
        eb.or([
          eb('acquirer_payment_id', '=', state.acquirerPaymentId),
          // The acquirer took the payment but we died before storing its id.
          eb.and([eb('acquirer_payment_id', 'is', null), eb('id', '=', /^\d{1,15}$/.test(state.orderId) ? Number(state.orderId) : -1)]),
        ]),
      )
      .forUpdate()
      .executeTakeFirst();
    if (!payment) return 'unknown';
    if (String(payment.id) !== state.orderId || Number(payment.amount_kopecks) !== state.amountKopecks) return 'mismatch';
    const finalNow = payment.status === 'succeeded' || payment.status === 'failed';
    // An expired payment is still booked if the money was in fact taken.
    if (finalNow || (payment.status === 'expired' && state.status !== 'succeeded')) return 'unchanged';

    const base = { acquirer_payment_id: state.acquirerPaymentId, card_last4: state.cardLast4 ?? payment.card_last4 };
    if (state.status === 'pending') {
      if (payment.status !== 'created') return 'unchanged';
      await trx.updateTable('online_payments').set({ ...base, status: 'pending', pending_at: now }).where('id', '=', payment.id).execute();
      return 'pending';
    }
    if (state.status === 'failed') {
      await trx
        .updateTable('online_payments')
        .set({ ...base, status: 'failed', failure_reason: state.failureReason, finished_at: now })
        .where('id', '=', payment.id)
        .execute();
      return 'failed';
    }
    const paidAt = state.decidedAt && !Number.isNaN(Date.parse(state.decidedAt)) ? new Date(state.decidedAt) : now;
    await trx
      .updateTable('online_payments')
      .set({
        ...base,
        status: 'succeeded',
        transaction_id: state.transactionId ?? state.acquirerPaymentId,
        recurring_token: state.recurringToken,
        paid_at: paidAt,
        paid_on: moscowDate(paidAt),
        finished_at: now,
      })
      .where('id', '=', payment.id)
      .execute();
    await allocate(trx, { ...payment, paid_on: moscowDate(paidAt) });
    await announcePaymentSucceeded(trx, payment.id);
    return 'succeeded';
  });
}

/**
 * Splits a succeeded payment by the rules and records the parts, and the money for
 * billing (bill runs, penalties from the day it was paid). One account's payments
 * are allocated one at a time (the account row's lock), so two never share a kopeck of debt.
 */
async function allocate(trx: Transaction<Database>, payment: OnlinePayment & { paid_on: string }): Promise<void> {
  await trx.selectFrom('payer_accounts').select('id').where('id', '=', payment.payer_account_id).forUpdate().execute();
  const debt = await accountDebt(trx, payment.payer_account_id);
  const parts = allocatePayment(debt, {
    amountKopecks: Number(payment.amount_kopecks),
    forPeriod: payment.for_period,
    items: await paymentItems(trx, payment.id),
  });
  await trx
    .insertInto('payment_allocations')
    .values(
      parts.map((part) => ({
        payment_id: payment.id,
        payer_account_id: payment.payer_account_id,
        kind: part.kind,
        bill_id: part.kind === 'advance' ? null : part.billId,
        period: part.kind === 'debt' ? part.period : null,
        service: part.kind === 'debt' ? part.service : null,
        payee_id: part.payeeId,
        amount_kopecks: part.amountKopecks,
      })),
    )
    .execute();
  await trx
    .insertInto('payments')
    .values(
      billingRows(parts).map((row) => ({
        payer_account_id: payment.payer_account_id,
        paid_on: payment.paid_on,
        amount_kopecks: row.amountKopecks,
        for_period: row.forPeriod,
        penalty_kind: row.penaltyKind,
        method: payment.method,
        online_payment_id: payment.id,
      })),
    )
    .execute();
}

/** Payments still waiting for a decision after the lifetime: the expiry job asks about each. */
export async function stalePayments(db: Kysely<Database>, now: Date, limit: number): Promise<OnlinePayment[]> {
  const before = new Date(now.getTime() - PENDING_LIFETIME_MS);
  return db
    .selectFrom('online_payments')
    .selectAll()
    .where('status', 'in', ['created', 'pending'])
    .where((eb) => eb(eb.fn.coalesce('pending_at', 'created_at'), '<', before))
    .orderBy('pending_at')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Gives up a payment the acquirer never decided (asked just before). */
export async function expirePayment(db: Kysely<Database>, paymentId: number, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('online_payments')
    .set({ status: 'expired', finished_at: now, failure_reason: 'expired' })
    .where('id', '=', paymentId)
    .where('status', 'in', ['created', 'pending'])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export type AllocationLine = { kind: AllocationPart['kind']; period: string | null; service: string | null; payeeId: number; amountKopecks: number };

export async function allocationsOf(db: Kysely<Database>, paymentId: number): Promise<AllocationLine[]> {
  const rows = await db
    .selectFrom('payment_allocations')
    .select(['kind', 'period', 'service', 'payee_id', 'amount_kopecks'])
    .where('payment_id', '=', paymentId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ kind: r.kind, period: r.period, service: r.service, payeeId: r.payee_id, amountKopecks: Number(r.amount_kopecks) }));
}
