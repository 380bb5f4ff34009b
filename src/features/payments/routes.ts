import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import { rublesInput } from '../../lib/decimal.js';
import { period as periodLabel } from '../../lib/format.js';
import { PAYMENT_METHOD_LABELS, choicesOf } from '../../lib/labels.js';
import { signedInResident, type CurrentResident } from '../../plugins/auth.js';
import { renderError } from '../../plugins/errors.js';
import { field, fieldValues, parseId } from '../../security/input.js';
import { accessibleAccounts, can, type AccessibleAccount } from '../accounts/access.js';
import { AcquirerUnavailable, type Acquirer } from './acquirer.js';
import { allocatePayment, dueByService, totalDue, type AccountDebt } from './allocation.js';
import { HttpAcquirer, SIGNATURE_HEADER } from './http-acquirer.js';
import { checkPaymentForm, type PaymentErrors, type PaymentForm } from './rules.js';
import {
  accountDebt,
  allocationsOf,
  applyAcquirerState,
  createPayment,
  markSentToAcquirer,
  paymentOf,
  type OnlinePayment,
} from './service.js';

type IdParams = { Params: { id: string } };
type PayQuery = { Querystring: { account?: string; period?: string } };

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{16,64}$/;
const FAILURE_LABELS: Record<string, string> = {
  card_declined: 'Банк отклонил операцию по карте. Попробуйте другую карту или другой способ оплаты.',
  three_ds_refused: 'Платёж не подтверждён в банке (3-D Secure).',
  cancelled: 'Оплата отменена на платёжной странице.',
  expired: 'Платёж не был завершён за 30 минут.',
  unknown_token: 'Сохранённая карта больше не действует.',
};

export function acquirerFor(config: Config): Acquirer | null {
  return config.acquirer ? new HttpAcquirer(config.acquirer) : null;
}

/** The payment's purpose for the acquirer and the bank statement: payer code and period (DOMAIN.md). */
function purpose(account: AccessibleAccount, period: string | null, today: string): string {
  const month = (period ?? today).slice(0, 7).split('-').reverse().join('.');
  return `Оплата ЖКУ, код плательщика ${account.payerCode}, период ${month}`;
}

function readForm(body: unknown): PaymentForm {
  const services = fieldValues(body, 'services');
  return {
    mode: field(body, 'mode'),
    amount: field(body, 'amount'),
    services,
    amounts: Object.fromEntries(services.map((s) => [s, field(body, `amount-${s}`)])),
    period: field(body, 'period'),
    method: field(body, 'method'),
    saveCard: field(body, 'saveCard') === 'yes',
    advance: field(body, 'advance') === 'yes',
  };
}

/** «Оплата»: the form, its summary, the hand-over to the acquirer and the outcome pages. */
const payments: FastifyPluginAsync = async (app) => {
  const { db, clock, config } = app;
  const acquirer = acquirerFor(config);
  const serviceNames = new Map((await db.selectFrom('services').select(['code', 'name']).orderBy('sort_order').execute()).map((s) => [s.code, s.name]));

  type Payable = { accounts: AccessibleAccount[]; account: AccessibleAccount | undefined; resident: CurrentResident };

  /** The resident's accounts and the one the request names (or the first they may pay). */
  async function payable(request: FastifyRequest, rawAccount: string | undefined): Promise<Payable> {
    const resident = signedInResident(request);
    const accounts = await accessibleAccounts(db, resident.id);
    const id = rawAccount === undefined || rawAccount === '' ? null : parseId(rawAccount);
    const account = id === null ? (accounts.find((a) => can(a.rights, 'pay')) ?? accounts[0]) : accounts.find((a) => a.id === id);
    return { accounts, account, resident };
  }

  function debtView(debt: AccountDebt) {
    const byService = dueByService(debt);
    const periods = [...new Set(debt.lines.filter((l) => l.unpaidKopecks > 0).map((l) => l.period))].sort();
    return {
      totalKopecks: totalDue(debt),
      byService,
      periods,
      penaltyKopecks: debt.penalty?.unpaidKopecks ?? 0,
      services: [...serviceNames].filter(([code]) => byService.has(code)).map(([code, name]) => ({ code, name, dueKopecks: byService.get(code)! })),
      byPeriod: periods.map((p) => ({ period: p, label: periodLabel(p), dueKopecks: debt.lines.filter((l) => l.period === p).reduce((s, l) => s + l.unpaidKopecks, 0) })),
    };
  }

  /** Why the resident cannot pay this account here, or null. */
  function refusal(p: Payable): string | null {
    if (p.resident.identityStatus !== 'confirmed') return 'identity';
    if (!p.account) return 'no-account';
    if (!can(p.account.rights, 'pay')) return 'view-only';
    if (!acquirer) return 'off';
    return null;
  }

  async function showForm(reply: FastifyReply, p: Payable, form: PaymentForm, errors: PaymentErrors, status = 200) {
    const reason = refusal(p);
    const debt = reason === null || reason === 'off' ? debtView(await accountDebt(db, p.account!.id)) : null;
    return reply.code(status).viewAsync('payments/form', {
      section: '/payments',
      title: 'Оплата',
      accounts: p.accounts,
      account: p.account,
      refusal: reason,
      debt,
      form,
      errors,
      serviceNames: Object.fromEntries(serviceNames),
      methodChoices: choicesOf(PAYMENT_METHOD_LABELS),
    });
  }

  app.get<PayQuery>('/payments', async (request, reply) => {
    const p = await payable(request, request.query.account);
    if (request.query.account !== undefined && !p.account) return renderError(request, reply, 404);
    const debt = refusal(p) === null ? await accountDebt(db, p.account!.id) : null;
    const period = request.query.period && debt?.lines.some((l) => l.period === request.query.period && l.unpaidKopecks > 0) ? request.query.period : '';
    const form: PaymentForm = {
      mode: 'all',
      amount: debt && totalDue(debt) > 0 ? rublesInput(totalDue(debt)) : '',
      services: [],
      amounts: {},
      period,
      method: 'card',
      saveCard: false,
      advance: false,
    };
    return showForm(reply, p, form, {});
  });

  /** The form checked again (the debt may have changed since the page was shown). */
  async function checked(request: FastifyRequest) {
    const p = await payable(request, field(request.body, 'account'));
    if (!p.account) return { p, outcome: null };
    if (refusal(p) !== null) return { p, outcome: null };
    const form = readForm(request.body);
    const debt = await accountDebt(db, p.account.id);
    return { p, form, debt, outcome: checkPaymentForm(form, debtView(debt)) };
  }

  app.post('/payments/summary', async (request, reply) => {
    const { p, form, debt, outcome } = await checked(request);
    if (!outcome) return p.account ? showForm(reply, p, readForm(request.body), {}, 403) : renderError(request, reply, 404);
    if (!outcome.request) return showForm(reply, p, form!, outcome.errors, 422);
    const parts = allocatePayment(debt!, outcome.request);
    const payees = await db.selectFrom('payees').select(['id', 'name', 'inn']).where('id', 'in', [...new Set(parts.map((x) => x.payeeId))]).execute();
    return reply.viewAsync('payments/summary', {
      section: '/payments',
      title: 'Проверьте платёж',
      account: p.account,
      form,
      request: outcome.request,
      parts: payees.map((payee) => ({
        payee,
        amountKopecks: parts.filter((x) => x.payeeId === payee.id).reduce((s, x) => s + x.amountKopecks, 0),
      })),
      serviceNames: Object.fromEntries(serviceNames),
      methodLabel: PAYMENT_METHOD_LABELS[outcome.request.method],
      periodLabel: outcome.request.forPeriod ? periodLabel(outcome.request.forPeriod) : null,
      idempotencyKey: randomBytes(18).toString('base64url'),
    });
  });

  app.post('/payments', async (request, reply) => {
    const { p, form, outcome } = await checked(request);
    if (!outcome) return p.account ? showForm(reply, p, readForm(request.body), {}, 403) : renderError(request, reply, 404);
    const key = field(request.body, 'idempotencyKey');
    if (!IDEMPOTENCY_KEY.test(key)) return showForm(reply, p, form!, {}, 422);
    if (!outcome.request) return showForm(reply, p, form!, outcome.errors, 422);
    const account = p.account!;
    const { payment } = await db.transaction().execute((trx) =>
      createPayment(trx, {
        residentId: p.resident.id,
        accountId: account.id,
        idempotencyKey: key,
        acquirer: acquirer!.name,
        ...outcome.request!,
      }),
    );
    return handOver(request, reply, payment, account);
  });

  /** Sends the browser to the acquirer's page, creating the payment there first (safe to repeat). */
  async function handOver(request: FastifyRequest, reply: FastifyReply, payment: OnlinePayment, account: AccessibleAccount) {
    if (payment.status !== 'created' && payment.status !== 'pending') return reply.redirect(`/payments/${payment.id}`, 303);
    if (payment.confirmation_url) return reply.redirect(payment.confirmation_url, 303);
    try {
      const created = await acquirer!.createPayment({
        orderId: String(payment.id),
        amountKopecks: Number(payment.amount_kopecks),
        description: purpose(account, payment.for_period, clock.today()),
        method: payment.method,
        returnUrl: `${config.publicUrl}/payments/${payment.id}`,
        notifyUrl: `${config.publicUrl}/payments/notifications`,
        saveCard: payment.save_card,
      });
      await markSentToAcquirer(db, payment.id, created, clock.now());
      return reply.redirect(created.confirmationUrl, 303);
    } catch (error) {
      if (!(error instanceof AcquirerUnavailable)) throw error;
      request.log.warn({ err: error, paymentId: payment.id }, 'acquirer unavailable');
      return renderError(request, reply, 503, 'Платёжный сервис сейчас недоступен. Деньги не списаны. Попробуйте оплатить через несколько минут.');
    }
  }

  // Where the acquirer sends the browser back. The return itself proves nothing: the
  // page shows what a notification or a status query established, and asks the
  // acquirer if nothing has been heard yet.
  app.get<IdParams>('/payments/:id', async (request, reply) => {
    const id = parseId(request.params.id);
    let payment = id === null ? null : await paymentOf(db, signedInResident(request).id, id);
    if (!payment) return renderError(request, reply, 404);
    if ((payment.status === 'pending' || payment.status === 'created') && payment.acquirer_payment_id && acquirer) {
      try {
        await applyAcquirerState(db, acquirer.name, await acquirer.queryStatus(payment.acquirer_payment_id), clock.now());
        payment = (await paymentOf(db, payment.resident_id, payment.id))!;
      } catch (error) {
        if (!(error instanceof AcquirerUnavailable)) throw error;
        request.log.warn({ err: error, paymentId: payment.id }, 'status query failed');
      }
    }
    const allocations = payment.status === 'succeeded' ? await allocationsOf(db, payment.id) : [];
    const payees = allocations.length === 0 ? [] : await db.selectFrom('payees').select(['id', 'name', 'inn']).where('id', 'in', [...new Set(allocations.map((a) => a.payeeId))]).orderBy('id').execute();
    return reply.header('Cache-Control', 'no-store').viewAsync('payments/result', {
      section: '/payments',
      title: payment.status === 'succeeded' ? 'Платёж выполнен' : payment.status === 'failed' || payment.status === 'expired' ? 'Платёж не выполнен' : 'Платёж обрабатывается',
      payment: {
        id: payment.id,
        status: payment.status,
        accountId: payment.payer_account_id,
        amountKopecks: Number(payment.amount_kopecks),
        method: PAYMENT_METHOD_LABELS[payment.method],
        cardLast4: payment.card_last4,
        transactionId: payment.transaction_id,
        paidAt: payment.paid_at,
        failure: FAILURE_LABELS[payment.failure_reason ?? ''] ?? 'Деньги не списаны.',
      },
      byPayee: payees.map((payee) => ({
        payee,
        lines: allocations
          .filter((a) => a.payeeId === payee.id)
          .map((a) => ({
            what: a.kind === 'debt' ? `${serviceNames.get(a.service!) ?? a.service}, ${periodLabel(a.period!)}` : a.kind === 'penalty' ? 'Пени' : 'Аванс в счёт будущих начислений',
            amountKopecks: a.amountKopecks,
          })),
      })),
    });
  });
};

export default payments;

/**
 * The acquirer's notifications: no session and no CSRF token (another server posts
 * them), so the HMAC-SHA256 signature of the raw body is the only proof; a bad one
 * is refused with 400 and changes nothing.
 */
export const paymentNotifications: FastifyPluginAsync = async (app) => {
  const acquirer = acquirerFor(app.config);
  if (!acquirer) return;
  // The signature is over the exact bytes: keep the body as text.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.post('/payments/notifications', { config: { csrf: false } }, async (request, reply) => {
    const raw = typeof request.body === 'string' ? request.body : '';
    const header = request.headers[SIGNATURE_HEADER];
    const state = acquirer.verifyNotification(raw, typeof header === 'string' ? header : undefined);
    if (!state) return reply.code(400).send({ error: 'bad_signature' });
    const outcome = await applyAcquirerState(app.db, acquirer.name, state, app.clock.now());
    if (outcome === 'unknown' || outcome === 'mismatch') request.log.warn({ outcome, acquirerPaymentId: state.acquirerPaymentId }, 'notification not applied');
    return { ok: true, outcome };
  });
};
