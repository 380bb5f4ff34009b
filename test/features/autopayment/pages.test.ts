import t from 'tap';
import type { Agent } from '../../fixtures/app.js';
import { eventually } from '../../fixtures/app.js';
import { accountId, coOwnerAccepted, createResident, demoResident, linkApproved, residentAgent } from '../../fixtures/accounts.js';
import { listeningApp } from '../../fixtures/esia.js';
import { checkedPayment, payByCard, settled, startPayment } from '../../fixtures/payments.js';
import type { Db } from '../../../src/db/index.js';
import { runAutopaymentDay } from '../../../src/features/autopayment/service.js';
import { acquirerFor } from '../../../src/features/payments/routes.js';
import { createPayment, markSentToAcquirer } from '../../../src/features/payments/service.js';
import { decide } from '../../../src/features/sandbox-acquirer/service.js';

const ENV = { APP_TODAY: '2026-12-02' };

/** A card payment of the account's whole debt with «Запомнить карту для автоплатежа». */
async function payWithRememberedCard(agent: Agent, db: Db, account: number): Promise<number> {
  const page = await agent.get(`/payments?account=${account}`);
  const amount = /name="amount" type="text"\s*value="([^"]+)"/.exec(page.body)![1]!;
  const fields = await checkedPayment(agent, { account: String(account), mode: 'all', amount, method: 'card', saveCard: 'yes' });
  const { page: acquirerPage, paymentId } = await startPayment(agent, db, fields);
  await payByCard(agent, acquirerPage, '4111 1111 1111 1111');
  await settled(db, paymentId);
  return paymentId;
}

/** The e-mail sent to `to` whose subject matches, once the outbox has delivered it. */
function emailTo(db: Db, to: string, subject: RegExp) {
  return eventually(async () => {
    const rows = await db.selectFrom('sent_messages').select(['subject', 'text']).where('recipient', '=', to).orderBy('id', 'desc').execute();
    return rows.find((r) => subject.test(r.subject ?? ''));
  }, 15_000);
}

t.test('«Автоплатёж»: set up after a remembered card, changed, checked, cancelled; the reminder and the failure e-mails', async (t) => {
  const { app, db, config } = await listeningApp(t.teardown, { seed: true, env: ENV });
  const resident = await demoResident(db);
  const agent = await residentAgent(app, db, config, resident.id);
  const account = await accountId(db, '7700000010');
  const other = await accountId(db, '7700000011');

  const before = await agent.get(`/autopayment?account=${account}`);
  t.equal(before.statusCode, 200);
  t.match(before.body, /Автоплатёж по этому лицевому счёту не настроен/);
  t.match(before.body, /«Запомнить карту для автоплатежа»/, 'without a saved card: how to get one');
  t.notMatch(before.body, /name="chargeDay"/, 'no form without a card');
  t.match((await agent.get(`/payments?account=${account}`)).body, new RegExp(`href="/autopayment\\?account=${account}"`), 'linked from «Оплата»');

  const cardPayment = await payWithRememberedCard(agent, db, other);
  const page = await agent.get(`/autopayment?account=${account}`);
  t.match(page.body, /<label class="field__label" for="chargeDay">День списания<\/label>/);
  t.match(page.body, /<label class="field__label" for="maxAmount">Максимальная сумма<\/label>/);
  t.match(page.body, new RegExp(`id="card-${cardPayment}" name="card" value="${cardPayment}" checked`), 'the saved card, chosen');
  t.match(page.body, /•••• 1111/, 'the last four digits');
  t.notMatch(page.body, /4111 ?1111/, 'never the number');
  t.notMatch(page.body, /tok_/, 'never the token');

  // Bad input: the form comes back with what was typed and the messages next to the fields.
  const bad = await agent.post('/autopayment', { account: String(account), chargeDay: '31', maxAmount: '12,345', card: String(cardPayment) });
  t.equal(bad.statusCode, 422);
  t.match(bad.body, /id="chargeDay-error"[^>]*>.*Выберите день списания от 1 до 28/);
  t.match(bad.body, /id="maxAmount-error"/);
  t.match(bad.body, /value="12,345"/, 'the typed amount kept');
  const notMine = await db
    .insertInto('online_payments')
    .values({ resident_id: (await createResident(db)).id, payer_account_id: other, idempotency_key: 'someone-elses-card-0001', method: 'card', amount_kopecks: 100, acquirer: 'sandbox', status: 'succeeded', recurring_token: 'tok_someone_else', card_last4: '4444', paid_at: new Date(), paid_on: '2026-12-01', transaction_id: 'txn_someone_else' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const stolen = await agent.post('/autopayment', { account: String(account), chargeDay: '15', maxAmount: '5000', card: String(notMine.id) });
  t.equal(stolen.statusCode, 422, "another resident's card is refused");
  t.match(stolen.body, /id="card-error"[^>]*>.*Выберите сохранённую карту/);
  t.equal(await db.selectFrom('autopayments').select('payer_account_id').where('payer_account_id', '=', account).executeTakeFirst(), undefined, 'nothing written');

  // Set, then change.
  const saved = await agent.post('/autopayment', { account: String(account), chargeDay: '15', maxAmount: '5 000,50', card: String(cardPayment) });
  t.equal(saved.statusCode, 303);
  t.equal(saved.headers.location, `/autopayment?account=${account}&done=saved`);
  t.match(await db.selectFrom('autopayments').selectAll().where('payer_account_id', '=', account).executeTakeFirstOrThrow(), { resident_id: resident.id, charge_day: 15, max_kopecks: 500_050, token_payment_id: cardPayment, cancelled_at: null });
  const shown = await agent.get(saved.headers.location as string);
  t.match(shown.body, /Автоплатёж сохранён/);
  t.match(shown.body, /15-е число каждого месяца/);
  t.match(shown.body, /value="5000,50"/, 'the limit shown back for editing');
  t.equal((await agent.post('/autopayment', { account: String(account), chargeDay: '20', maxAmount: '100000', card: String(cardPayment) })).statusCode, 303);
  t.match(await db.selectFrom('autopayments').selectAll().where('payer_account_id', '=', account).executeTakeFirstOrThrow(), { charge_day: 20, max_kopecks: 10_000_000 });

  // The day before: the reminder; the card then revoked by the bank: the failure e-mail.
  const acquirer = acquirerFor(config)!;
  const day = (today: string) => runAutopaymentDay({ db, acquirer, now: new Date(`${today}T06:00:00Z`), today, notifyUrl: `${config.publicUrl}/payments/notifications` });
  t.match(await day('2026-12-19'), { reminded: 1 });
  const reminder = await emailTo(db, resident.email, /Автоплатёж по лицевому счёту 7700000010 завтра/);
  t.match(reminder.text, /Завтра, 20\.12\.2026/);
  await db.updateTable('online_payments').set({ recurring_token: 'tok_revoked_by_bank' }).where('id', '=', cardPayment).execute();
  t.match(await day('2026-12-20'), { retry: 1 }, 'the day: declined, to be retried');
  const failure = await emailTo(db, resident.email, /^Автоплатёж не выполнен$/);
  t.match(failure.text, /Банк отклонил списание/);
  t.match(failure.text, /Попробуем ещё раз 21\.12\.2026/);
  await db.updateTable('online_payments').set({ recurring_token: null }).where('id', '=', cardPayment).execute();

  // Cancel: a confirmation page first, then nothing active.
  const confirm = await agent.get(`/autopayment/cancel?account=${account}`);
  t.equal(confirm.statusCode, 200);
  t.match(confirm.body, /Отменить автоплатёж\?/);
  t.match(confirm.body, /<form method="post" action="\/autopayment\/cancel">/);
  const cancelled = await agent.post('/autopayment/cancel', { account: String(account) });
  t.equal(cancelled.statusCode, 303);
  t.ok((await db.selectFrom('autopayments').select('cancelled_at').where('payer_account_id', '=', account).executeTakeFirstOrThrow()).cancelled_at, 'cancelled');
  const after = await agent.get(cancelled.headers.location as string);
  t.match(after.body, /Автоплатёж отменён/);
  t.match(after.body, /не настроен/);
  t.equal((await agent.get(`/autopayment/cancel?account=${account}`)).statusCode, 303, 'nothing left to cancel');
  t.match(await day('2027-01-20'), { retry: 0, succeeded: 0, due: 0 }, 'no charge after cancelling');
});

t.test('«Автоплатёж» is scoped: a co-owner with «Просмотр» sets nothing, another resident’s account is not found', async (t) => {
  const { app, db, config } = await listeningApp(t.teardown, { seed: true, env: ENV });
  const owner = await demoResident(db);
  const viewer = await createResident(db);
  const shared = await coOwnerAccepted(db, owner.id, viewer.id, '7700000010', 'view');
  const agent = await residentAgent(app, db, config, viewer.id);

  const page = await agent.get(`/autopayment?account=${shared}`);
  t.equal(page.statusCode, 200);
  t.match(page.body, /право только на просмотр/);
  t.notMatch(page.body, /name="chargeDay"/, 'no form');
  t.notMatch(page.body, /autopayment\/cancel/, 'no cancel link');
  t.equal((await agent.post('/autopayment', { account: String(shared), chargeDay: '5', maxAmount: '1000', card: '1' })).statusCode, 403);
  t.equal((await agent.get(`/autopayment/cancel?account=${shared}`)).statusCode, 403);
  t.equal((await agent.post('/autopayment/cancel', { account: String(shared) })).statusCode, 403);

  const stranger = await createResident(db);
  const theirs = await linkApproved(db, stranger.id, '7700000002');
  for (const response of [
    await agent.get(`/autopayment?account=${theirs}`),
    await agent.post('/autopayment', { account: String(theirs), chargeDay: '5', maxAmount: '1000', card: '1' }),
    await agent.get(`/autopayment/cancel?account=${theirs}`),
    await agent.post('/autopayment/cancel', { account: String(theirs) }),
    await agent.get('/autopayment?account=abc'),
  ]) t.equal(response.statusCode, 404);
  t.equal(await db.selectFrom('autopayments').select('payer_account_id').executeTakeFirst(), undefined, 'nothing written');
});

/** A succeeded card payment that brought a recurring token: a saved card of the resident. */
async function savedCard(db: Db, residentId: number, account: number, last4: string): Promise<number> {
  const row = await db
    .insertInto('online_payments')
    .values({ resident_id: residentId, payer_account_id: account, idempotency_key: `saved-card-${residentId}-${last4}`, method: 'card', amount_kopecks: 100, acquirer: 'sandbox', status: 'succeeded', recurring_token: `tok_${residentId}_${last4}`, card_last4: last4, paid_at: new Date(), paid_on: '2026-12-01', transaction_id: `txn_${residentId}_${last4}` })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

t.test('a co-owner who may pay neither changes nor cancels an auto-payment someone else set up; the owner does', async (t) => {
  const { app, db, config } = await listeningApp(t.teardown, { seed: true, env: ENV });
  const owner = await demoResident(db);
  const coOwner = await createResident(db);
  const account = await coOwnerAccepted(db, owner.id, coOwner.id, '7700000010', 'view_pay');
  const ownerCard = await savedCard(db, owner.id, account, '1111');
  const coOwnerCard = await savedCard(db, coOwner.id, account, '2222');
  const ownerAgent = await residentAgent(app, db, config, owner.id);
  const coOwnerAgent = await residentAgent(app, db, config, coOwner.id);
  await ownerAgent.get(`/autopayment?account=${account}`);
  t.equal((await ownerAgent.post('/autopayment', { account: String(account), chargeDay: '10', maxAmount: '9000', card: String(ownerCard) })).statusCode, 303);
  const active = () => db.selectFrom('autopayments').select(['resident_id', 'charge_day', 'token_payment_id', 'cancelled_at']).where('payer_account_id', '=', account).executeTakeFirstOrThrow();

  const page = await coOwnerAgent.get(`/autopayment?account=${account}`);
  t.equal(page.statusCode, 200);
  t.match(page.body, /•••• 1111 \(настроил другой житель\)/);
  t.match(page.body, /изменить или отменить его может он или владелец лицевого счёта/);
  t.notMatch(page.body, /name="chargeDay"/, 'no form');
  t.notMatch(page.body, /autopayment\/cancel/, 'no cancel link');
  const replaced = await coOwnerAgent.post('/autopayment', { account: String(account), chargeDay: '25', maxAmount: '100000', card: String(coOwnerCard) });
  t.equal(replaced.statusCode, 403);
  t.match(replaced.body, /изменить или отменить его может он или владелец/);
  t.equal((await coOwnerAgent.get(`/autopayment/cancel?account=${account}`)).statusCode, 403);
  t.equal((await coOwnerAgent.post('/autopayment/cancel', { account: String(account) })).statusCode, 403);
  t.match(await active(), { resident_id: owner.id, charge_day: 10, token_payment_id: ownerCard, cancelled_at: null }, "the owner's auto-payment untouched");

  // The owner cancels; then the co-owner may set one up with their own card, and the owner may still change it.
  t.equal((await ownerAgent.post('/autopayment/cancel', { account: String(account) })).statusCode, 303);
  t.equal((await coOwnerAgent.post('/autopayment', { account: String(account), chargeDay: '25', maxAmount: '100000', card: String(coOwnerCard) })).statusCode, 303);
  t.match(await active(), { resident_id: coOwner.id, charge_day: 25, token_payment_id: coOwnerCard, cancelled_at: null });
  t.match((await ownerAgent.get(`/autopayment?account=${account}`)).body, /•••• 2222 \(настроил другой житель\)/);
  t.equal((await ownerAgent.post('/autopayment', { account: String(account), chargeDay: '5', maxAmount: '9000', card: String(ownerCard) })).statusCode, 303);
  t.match(await active(), { resident_id: owner.id, charge_day: 5, token_payment_id: ownerCard });
});

t.test('a charge the acquirer answered with "pending" is settled by a later run through the status query', async (t) => {
  const { app, db, config } = await listeningApp(t.teardown, { seed: true, env: ENV });
  const resident = await demoResident(db);
  const agent = await residentAgent(app, db, config, resident.id);
  const account = await accountId(db, '7700000010');
  const cardPayment = await payWithRememberedCard(agent, db, await accountId(db, '7700000011'));
  const at = new Date('2026-12-15T06:00:00Z');
  await db.insertInto('autopayments').values({ payer_account_id: account, resident_id: resident.id, charge_day: 15, max_kopecks: 10_000_000, token_payment_id: cardPayment, created_at: at, updated_at: at }).execute();
  const acquirer = acquirerFor(config)!;
  const day = (today: string) => runAutopaymentDay({ db, acquirer, now: new Date(`${today}T06:00:00Z`), today, notifyUrl: `${config.publicUrl}/payments/notifications` });

  // The month's attempt as the acquirer left it: taken, not yet decided.
  async function pendingAttempt(period: string, attempts: number) {
    const payment = await db.transaction().execute(async (trx) =>
      (
        await createPayment(trx, {
          residentId: resident.id,
          accountId: account,
          idempotencyKey: `pending-autopayment-${period}-${attempts}`,
          method: 'card',
          kind: 'recurring',
          amountKopecks: 1000,
          advanceKopecks: 0,
          forPeriod: null,
          saveCard: false,
          acquirer: acquirer.name,
          items: [],
        })
      ).payment,
    );
    const created = await acquirer.createPayment({ orderId: String(payment.id), amountKopecks: 1000, description: 'Автоплатёж ЖКУ', method: 'card', returnUrl: config.publicUrl, notifyUrl: `${config.publicUrl}/payments/notifications`, saveCard: false });
    await markSentToAcquirer(db, payment.id, created, at);
    const charge = await db
      .insertInto('autopayment_charges')
      .values({ payer_account_id: account, period, resident_id: resident.id, status: 'charging', attempts, payment_id: payment.id, amount_kopecks: 1000, created_at: at })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { chargeId: charge.id, acquirerPaymentId: created.acquirerPaymentId, paymentId: Number(payment.id) };
  }

  const first = await pendingAttempt('2026-12-01', 1);
  t.match(await day('2026-12-16'), { succeeded: 0, retry: 0, failed: 0 }, 'still undecided: the charge waits');
  t.match(await db.selectFrom('autopayment_charges').selectAll().where('id', '=', first.chargeId).executeTakeFirstOrThrow(), { status: 'charging', attempts: 1 });
  t.equal((await db.selectFrom('online_payments').select('id').where('kind', '=', 'recurring').execute()).length, 1, 'no second attempt meanwhile');

  await decide(db, first.acquirerPaymentId, { outcome: 'succeeded' }, { last4: '1111' }, new Date('2026-12-16T10:00:00Z'));
  t.match(await day('2026-12-17'), { succeeded: 1 }, 'the next run moves it on');
  t.match(await db.selectFrom('autopayment_charges').selectAll().where('id', '=', first.chargeId).executeTakeFirstOrThrow(), { status: 'succeeded' });
  t.equal((await db.selectFrom('online_payments').select('status').where('id', '=', first.paymentId).executeTakeFirstOrThrow()).status, 'succeeded');
  const charged = await emailTo(db, resident.email, /^Автоплатёж выполнен: 10,00/);
  t.match(charged.text, /7700000010/);
  t.match(await day('2026-12-18'), { succeeded: 0 }, 'told once');

  // Declined later: a declined attempt, retried the next day.
  const second = await pendingAttempt('2027-01-01', 1);
  await decide(db, second.acquirerPaymentId, { outcome: 'failed', reason: 'card_declined' }, { last4: '1111' }, new Date('2027-01-15T10:00:00Z'));
  t.match(await day('2027-01-16'), { retry: 1 });
  t.match(await db.selectFrom('autopayment_charges').selectAll().where('id', '=', second.chargeId).executeTakeFirstOrThrow(), { status: 'retry', next_attempt_on: '2027-01-17' });
});
