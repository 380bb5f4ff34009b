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

  // Not decided yet: the payment's own status query settles it; no new attempt meanwhile.
  if (state?.status === 'pending') return 'charging';
  const succeeded = state?.status === 'succeeded';
  const next = succeeded ? null : nextAttemptAfterFailure(claimed.attempts, today);
  const status: ChargeStatus = succeeded ? 'succeeded' : next ? 'retry' : 'failed';
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('autopayment_charges')
      .set({ status, next_attempt_on: next, finished_at: status === 'retry' ? null : now })
      .where('id', '=', chargeId)
      .where('status', '=', 'charging')
      .execute();
    const email = succeeded ? chargedEmail(claimed.ap.payer_code, claimed.amountKopecks) : failedEmail(claimed.ap.payer_code, claimed.amountKopecks, next);
    await sendEmailLater(trx, { to: claimed.ap.email, ...email });
  });
  return status;
}
