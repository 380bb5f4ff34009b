import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { addDays, periodOf } from '../../lib/calendar.js';
import { sendEmailLater } from '../../messaging/service.js';
import { AcquirerUnavailable, type Acquirer, type AcquirerPaymentState } from '../payments/acquirer.js';
import { totalDue } from '../payments/allocation.js';
import { accountDebt, applyAcquirerState, createPayment } from '../payments/service.js';
import { chargedEmail, failedEmail, overLimitEmail, reminderEmail } from './messages.js';
import { chargeDateOf, decideCharge, nextAttemptAfterFailure } from './rules.js';
import type { ChargeStatus } from './tables.js';

// The daily auto-payment run. A charge is one row per account and month
// (autopayment_charges, unique): created on the charge day whatever happens next,
// so a second run, a retry of the job or a second worker never charges twice.
// Each attempt is its own online payment (kind 'recurring') with its own order id;
// a new attempt is made only after the previous one is final and declined.

type Active = { payer_account_id: number; resident_id: number; charge_day: number; max_kopecks: number; token_payment_id: number; email: string; payer_code: string };

function activeAutopayments(db: Kysely<Database>) {
  return db
    .selectFrom('autopayments as ap')
    .innerJoin('residents as r', 'r.id', 'ap.resident_id')
    .innerJoin('payer_accounts as pa', 'pa.id', 'ap.payer_account_id')
    .select(['ap.payer_account_id', 'ap.resident_id', 'ap.charge_day', 'ap.max_kopecks', 'ap.token_payment_id', 'r.email', 'pa.payer_code'])
    .where('ap.cancelled_at', 'is', null);
}

export type RunContext = { db: Kysely<Database>; acquirer: Acquirer; now: Date; today: string; notifyUrl: string };

/** Everything the day asks for: reminders for tomorrow, today's charges, due retries. */
export async function runAutopaymentDay(ctx: RunContext): Promise<Record<ChargeStatus | 'reminded', number>> {
  const tally: Record<ChargeStatus | 'reminded', number> = { reminded: 0, due: 0, charging: 0, retry: 0, succeeded: 0, failed: 0, over_limit: 0, nothing_due: 0, cancelled: 0 };
  const { db, today, now } = ctx;

  const tomorrow = addDays(today, 1);
  const tomorrowDay = Number(tomorrow.slice(8));
  if (tomorrowDay <= 28) {
    for (const ap of (await activeAutopayments(db).where('ap.charge_day', '=', tomorrowDay).execute()) as Active[]) {
      const due = totalDue(await accountDebt(db, ap.payer_account_id));
      const sent = await db.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto('autopayment_reminders')
          .values({ payer_account_id: ap.payer_account_id, period: periodOf(tomorrow), sent_at: now })
          .onConflict((oc) => oc.columns(['payer_account_id', 'period']).doNothing())
          .returning('payer_account_id')
          .executeTakeFirst();
        if (row) await sendEmailLater(trx, { to: ap.email, ...reminderEmail(ap.payer_code, chargeDateOf(tomorrow, ap.charge_day), due, Number(ap.max_kopecks)) });
        return row !== undefined;
      });
      if (sent) tally.reminded += 1;
    }
  }

  const todayDay = Number(today.slice(8));
  if (todayDay <= 28) {
    const dueToday = (await activeAutopayments(db).where('ap.charge_day', '=', todayDay).execute()) as Active[];
    if (dueToday.length > 0) {
      await db
        .insertInto('autopayment_charges')
        .values(dueToday.map((ap) => ({ payer_account_id: ap.payer_account_id, period: periodOf(today), resident_id: ap.resident_id, created_at: now })))
        .onConflict((oc) => oc.constraint('autopayment_charges_once_per_period').doNothing())
        .execute();
    }
  }

  const charging = await db.selectFrom('autopayment_charges').select('id').where('status', '=', 'charging').orderBy('id').execute();
  for (const { id } of charging) {
    const status = await settleCharging(ctx, id);
    if (status !== 'charging') tally[status] += 1;
  }

  const work = await db
    .selectFrom('autopayment_charges')
    .select('id')
    .where((eb) => eb.or([eb.and([eb('status', '=', 'due'), eb('period', '=', periodOf(today))]), eb.and([eb('status', '=', 'retry'), eb('next_attempt_on', '<=', today)])]))
    .orderBy('id')
    .execute();
  for (const { id } of work) tally[await attemptCharge(ctx, id)] += 1;
  return tally;
}

/** One attempt of one month's charge; answers the charge's status afterwards. */
export async function attemptCharge(ctx: RunContext, chargeId: number): Promise<ChargeStatus> {
  const { db, now, today } = ctx;
  // Claim the attempt: only one runner moves a 'due' or 'retry' row to 'charging'.
  const claimed = await db.transaction().execute(async (trx) => {
    const charge = await trx.selectFrom('autopayment_charges').selectAll().where('id', '=', chargeId).forUpdate().executeTakeFirstOrThrow();
    if (charge.status !== 'due' && charge.status !== 'retry') return { final: charge.status } as const;
    const ap = (await activeAutopayments(trx).where('ap.payer_account_id', '=', charge.payer_account_id).executeTakeFirst()) as Active | undefined;
    const finish = async (status: ChargeStatus, extra: { amount_kopecks?: number } = {}) => {
      await trx.updateTable('autopayment_charges').set({ status, finished_at: now, next_attempt_on: null, ...extra }).where('id', '=', chargeId).execute();
      return { final: status } as const;
    };
    if (!ap) return finish('cancelled');
    const decision = decideCharge(totalDue(await accountDebt(trx, charge.payer_account_id)), Number(ap.max_kopecks));
    if (decision.kind === 'nothing_due') return finish('nothing_due');
    if (decision.kind === 'over_limit') {
      await sendEmailLater(trx, { to: ap.email, ...overLimitEmail(ap.payer_code, decision.amountKopecks, Number(ap.max_kopecks)) });
      return finish('over_limit', { amount_kopecks: decision.amountKopecks });
    }
    const token = await trx.selectFrom('online_payments').select('recurring_token').where('id', '=', ap.token_payment_id).executeTakeFirstOrThrow();
    const attempts = charge.attempts + 1;
    const { payment } = await createPayment(trx, {
      residentId: ap.resident_id,
      accountId: charge.payer_account_id,
      idempotencyKey: `autopayment-charge-${String(chargeId).padStart(6, '0')}-${attempts}`,
      method: 'card',
      kind: 'recurring',
      amountKopecks: decision.amountKopecks,
      advanceKopecks: 0,
      forPeriod: null,
      saveCard: false,
      acquirer: ctx.acquirer.name,
      items: [],
    });
    await trx
      .updateTable('autopayment_charges')
      .set({ status: 'charging', attempts, payment_id: payment.id, amount_kopecks: decision.amountKopecks, next_attempt_on: null })
      .where('id', '=', chargeId)
      .execute();
    return { paymentId: Number(payment.id), amountKopecks: decision.amountKopecks, attempts, token: token.recurring_token, ap } as const;
  });
  if ('final' in claimed) return claimed.final;

  let state: AcquirerPaymentState | null = null;
  if (claimed.token) {
    try {
      state = await ctx.acquirer.chargeRecurring({
        orderId: String(claimed.paymentId),
        amountKopecks: claimed.amountKopecks,
        description: `Автоплатёж ЖКУ, лицевой счёт ${claimed.ap.payer_code}`,
        token: claimed.token,
        notifyUrl: ctx.notifyUrl,
      });
      await applyAcquirerState(db, ctx.acquirer.name, state, now);
    } catch (error) {
      // Nothing was charged by a call the acquirer refused or never got: a declined attempt.
      if (!(error instanceof AcquirerUnavailable)) throw error;
    }
  }

  // Not decided yet: a later day's run asks the acquirer (settleCharging); no new attempt meanwhile.
  if (state?.status === 'pending') return 'charging';
  return finishAttempt(ctx, chargeId, state?.status === 'succeeded', { attempts: claimed.attempts, amountKopecks: claimed.amountKopecks, email: claimed.ap.email, payerCode: claimed.ap.payer_code });
}

type Attempt = { attempts: number; amountKopecks: number; email: string; payerCode: string };

/** The attempt's outcome: the month is done, or a retry is planned, and the resident is told. */
async function finishAttempt(ctx: RunContext, chargeId: number, succeeded: boolean, attempt: Attempt): Promise<ChargeStatus> {
  const next = succeeded ? null : nextAttemptAfterFailure(attempt.attempts, ctx.today);
  const status: ChargeStatus = succeeded ? 'succeeded' : next ? 'retry' : 'failed';
  return ctx.db.transaction().execute(async (trx) => {
    const moved = await trx
      .updateTable('autopayment_charges')
      .set({ status, next_attempt_on: next, finished_at: status === 'retry' ? null : ctx.now })
      .where('id', '=', chargeId)
      .where('status', '=', 'charging')
      .executeTakeFirst();
    // Another runner finished it first: it has told the resident.
    if (Number(moved.numUpdatedRows) !== 1) return 'charging';
    const email = succeeded ? chargedEmail(attempt.payerCode, attempt.amountKopecks) : failedEmail(attempt.payerCode, attempt.amountKopecks, next);
    await sendEmailLater(trx, { to: attempt.email, ...email });
    return status;
  });
}

/**
 * A charge the acquirer answered with 'pending': once its payment is final (by a
 * notification, the payments expiry job, or the status query asked here) the charge
 * moves on like any other attempt. An expired payment took no money: a declined attempt.
 */
export async function settleCharging(ctx: RunContext, chargeId: number): Promise<ChargeStatus> {
  const row = await ctx.db
    .selectFrom('autopayment_charges as c')
    .innerJoin('online_payments as p', 'p.id', 'c.payment_id')
    .innerJoin('residents as r', 'r.id', 'c.resident_id')
    .innerJoin('payer_accounts as pa', 'pa.id', 'c.payer_account_id')
    .select(['c.attempts', 'c.amount_kopecks', 'p.id as payment_id', 'p.status', 'p.acquirer', 'p.acquirer_payment_id', 'r.email', 'pa.payer_code'])
    .where('c.id', '=', chargeId)
    .where('c.status', '=', 'charging')
    .executeTakeFirst();
  if (!row) return 'charging';
  let status = row.status;
  if ((status === 'created' || status === 'pending') && row.acquirer_payment_id) {
    try {
      await applyAcquirerState(ctx.db, row.acquirer, await ctx.acquirer.queryStatus(row.acquirer_payment_id), ctx.now);
    } catch (error) {
      if (!(error instanceof AcquirerUnavailable)) throw error;
      return 'charging';
    }
    status = (await ctx.db.selectFrom('online_payments').select('status').where('id', '=', row.payment_id).executeTakeFirstOrThrow()).status;
  }
  if (status === 'created' || status === 'pending') return 'charging';
  return finishAttempt(ctx, chargeId, status === 'succeeded', { attempts: row.attempts, amountKopecks: Number(row.amount_kopecks), email: row.email, payerCode: row.payer_code });
}

// The resident's pages: the account's auto-payment and the cards it may charge.

export type AccountAutopayment = { chargeDay: number; maxKopecks: number; tokenPaymentId: number; cardLast4: string | null; setBySelf: boolean };

/** The account's active auto-payment, with the last four digits of its card. */
export async function autopaymentOf(db: Kysely<Database>, accountId: number, residentId: number): Promise<AccountAutopayment | null> {
  const row = await db
    .selectFrom('autopayments as ap')
    .innerJoin('online_payments as p', 'p.id', 'ap.token_payment_id')
    .select(['ap.charge_day', 'ap.max_kopecks', 'ap.token_payment_id', 'ap.resident_id', 'p.card_last4'])
    .where('ap.payer_account_id', '=', accountId)
    .where('ap.cancelled_at', 'is', null)
    .executeTakeFirst();
  if (!row) return null;
  return { chargeDay: row.charge_day, maxKopecks: Number(row.max_kopecks), tokenPaymentId: Number(row.token_payment_id), cardLast4: row.card_last4, setBySelf: row.resident_id === residentId };
}

export type SavedCard = { paymentId: number; last4: string; savedAt: Date };

/**
 * The resident's own saved cards: the card payments that brought a recurring token
 * (only the last four digits are ever known here). The newest payment per card.
 */
export async function savedCards(db: Kysely<Database>, residentId: number): Promise<SavedCard[]> {
  const rows = await db
    .selectFrom('online_payments')
    .select(['id', 'card_last4', 'paid_at'])
    .where('resident_id', '=', residentId)
    .where('status', '=', 'succeeded')
    .where('recurring_token', 'is not', null)
    .orderBy('id', 'desc')
    .execute();
  const seen = new Set<string>();
  const cards: SavedCard[] = [];
  for (const row of rows) {
    const last4 = row.card_last4 ?? '····';
    if (seen.has(last4)) continue;
    seen.add(last4);
    cards.push({ paymentId: Number(row.id), last4, savedAt: row.paid_at ?? new Date(0) });
  }
  return cards;
}

/** Sets up or changes the account's auto-payment (a cancelled one comes back to life). */
export async function saveAutopayment(
  db: Kysely<Database>,
  input: { accountId: number; residentId: number; chargeDay: number; maxKopecks: number; tokenPaymentId: number; now: Date },
): Promise<void> {
  const values = { resident_id: input.residentId, charge_day: input.chargeDay, max_kopecks: input.maxKopecks, token_payment_id: input.tokenPaymentId, updated_at: input.now, cancelled_at: null };
  await db
    .insertInto('autopayments')
    .values({ payer_account_id: input.accountId, created_at: input.now, ...values })
    .onConflict((oc) => oc.column('payer_account_id').doUpdateSet(values))
    .execute();
}

/** Cancels it; a charge already started this month finishes, none starts after (attemptCharge). */
export async function cancelAutopayment(db: Kysely<Database>, accountId: number, now: Date): Promise<boolean> {
  const result = await db.updateTable('autopayments').set({ cancelled_at: now, updated_at: now }).where('payer_account_id', '=', accountId).where('cancelled_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
