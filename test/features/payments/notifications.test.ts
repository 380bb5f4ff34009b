import t from 'tap';
import { accountId, coOwnerAccepted, createResident, demoResident, residentAgent } from '../../fixtures/accounts.js';
import { listeningApp } from '../../fixtures/esia.js';
import { allocated, checkedPayment, pathOf, payByCard, settled, startPayment, statusOf } from '../../fixtures/payments.js';
import { expireStalePayments } from '../../../src/features/payments/jobs.js';
import { SIGNATURE_HEADER } from '../../../src/features/payments/http-acquirer.js';
import { signBody } from '../../../src/security/signatures.js';
import { fixedClock } from '../../../src/lib/calendar.js';

// One app for the file: building a seeded one takes long on a shared machine.
const { app, db, config, clock } = await listeningApp(t.teardown, { seed: true, env: { APP_TODAY: '2026-12-02' } });
const resident = await demoResident(db);
const agent = await residentAgent(app, db, config, resident.id);
const account = await accountId(db, '7700000010');
const secret = config.acquirer!.secret;

async function fields(amount = '100,00', method = 'card') {
  await agent.get(`/payments?account=${account}`);
  return checkedPayment(agent, { account: String(account), mode: 'all', amount, method, advance: 'yes' });
}

/** A notification as the acquirer would sign it. */
function notify(body: object, signature?: string) {
  const raw = JSON.stringify(body);
  return app.inject({ method: 'POST', url: '/payments/notifications', payload: raw, headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature ?? signBody(secret, raw) } });
}

/** Lets a payment's notifications go nowhere, as if our webhook were down. */
async function notificationsLost(paymentId: number) {
  await db.updateTable('sandbox_acquirer_payments').set({ notify_url: 'http://127.0.0.1:9/payments/notifications' }).where('order_id', '=', String(paymentId)).execute();
}

t.test('a double submit and 20 identical concurrent posts make one payment, sent to one page', async (t) => {
  const form = await fields();
  const first = await agent.post('/payments', form);
  const second = await agent.post('/payments', form);
  t.equal(first.statusCode, 303);
  t.equal(second.headers.location, first.headers.location, 'the resubmit lands on the same page');

  const burst = await fields('200,00');
  const responses = await Promise.all(Array.from({ length: 20 }, () => agent.post('/payments', burst)));
  t.same([...new Set(responses.map((r) => r.statusCode))], [303]);
  t.equal(new Set(responses.map((r) => r.headers.location)).size, 1, 'every post goes to the same acquirer page');
  const rows = await db.selectFrom('online_payments').select('id').where('idempotency_key', '=', String(burst.idempotencyKey)).execute();
  t.equal(rows.length, 1, 'one payment');
  const atAcquirer = await db.selectFrom('sandbox_acquirer_payments').select('id').where('order_id', '=', String(rows[0]!.id)).execute();
  t.equal(atAcquirer.length, 1, 'one payment at the acquirer');
});

t.test('signatures: a bad one is refused with 400 and changes nothing; replays and late news are harmless', async (t) => {
  const { page, paymentId } = await startPayment(agent, db, await fields('300,00'));
  await notificationsLost(paymentId);
  await payByCard(agent, page, '4111111111111111');
  const acquirerId = pathOf(page).split('/').pop()!;
  const state = (await app.inject({ method: 'GET', url: `/sandbox-acquirer/api/payments/${acquirerId}`, headers: { authorization: `Basic ${Buffer.from(`${config.acquirer!.shopId}:${secret}`).toString('base64')}` } })).json();
  t.equal(state.status, 'succeeded', 'the acquirer took the money');

  t.equal((await notify(state, 'f'.repeat(64))).statusCode, 400, 'a wrong signature');
  t.equal((await notify(state, 'not-hex')).statusCode, 400, 'a malformed signature');
  t.equal((await notify({ ...state, amountKopecks: 1 }, signBody(secret, JSON.stringify(state)))).statusCode, 400, 'a body changed after signing');
  const unsigned = await app.inject({ method: 'POST', url: '/payments/notifications', payload: JSON.stringify(state), headers: { 'content-type': 'application/json' } });
  t.equal(unsigned.statusCode, 400, 'no signature');
  t.equal(await statusOf(db, paymentId), 'pending', 'nothing changed');

  t.equal((await notify({ ...state, status: 'pending', decidedAt: null })).statusCode, 200);
  t.equal(await statusOf(db, paymentId), 'pending');
  const replies = await Promise.all([notify(state), notify(state), notify(state)]);
  t.same(replies.map((r) => r.statusCode), [200, 200, 200]);
  t.equal(await statusOf(db, paymentId), 'succeeded');
  t.equal(await allocated(db, paymentId), 30000, 'allocated once');
  t.equal((await notify(state)).statusCode, 200, 'a replay later');
  t.equal((await notify({ ...state, status: 'failed', failureReason: 'card_declined' })).statusCode, 200, 'a late, contradicting one');
  t.equal((await notify({ ...state, status: 'pending' })).statusCode, 200, 'an old one arriving last');
  t.equal(await statusOf(db, paymentId), 'succeeded', 'a final status never moves');
  t.equal(await allocated(db, paymentId), 30000);
  const billing = await db.selectFrom('payments').select((eb) => eb.fn.sum<number>('amount_kopecks').as('sum')).where('online_payment_id', '=', paymentId).executeTakeFirstOrThrow();
  t.equal(Number(billing.sum), 30000, 'billing counts it once');

  t.equal((await notify({ ...state, acquirerPaymentId: 'pay_unknown', orderId: '999999' })).json().outcome, 'unknown', 'an unknown payment changes nothing');
});

t.test('a crash between the acquirer’s success and our update is recovered by the status query', async (t) => {
  const { page, paymentId } = await startPayment(agent, db, await fields('400,00'));
  await notificationsLost(paymentId);
  const back = await payByCard(agent, page, '4111111111111111');
  t.equal(await statusOf(db, paymentId), 'pending', 'the notification never arrived');
  const result = await agent.get(pathOf(back.headers.location as string));
  t.match(result.body, /Платёж выполнен/, 'the return page asked the acquirer');
  t.equal(await statusOf(db, paymentId), 'succeeded');
  t.equal(await allocated(db, paymentId), 40000);

  // The same, found by the expiry job's final query instead.
  const other = await startPayment(agent, db, await fields('500,00'));
  await notificationsLost(other.paymentId);
  await payByCard(agent, other.page, '4111111111111111');
  const later = fixedClock(new Date(Date.now() + 365 * 24 * 3600_000));
  const outcome = await expireStalePayments({ db, config, clock: later, log: app.log, transports: undefined as never });
  t.ok(outcome.settled >= 1, 'settled by the final query');
  t.equal(await statusOf(db, other.paymentId), 'succeeded');
});

t.test('a payment nobody finishes expires after 30 minutes, once the acquirer confirms no decision; a declined card fails', async (t) => {
  const { paymentId } = await startPayment(agent, db, await fields('600,00', 'sbp'));
  const now = fixedClock(new Date(clock.now().getTime() + 10 * 60_000));
  await expireStalePayments({ db, config, clock: now, log: app.log, transports: undefined as never });
  t.equal(await statusOf(db, paymentId), 'pending', 'not yet after 10 minutes');
  const later = fixedClock(new Date(Date.now() + 365 * 24 * 3600_000));
  await expireStalePayments({ db, config, clock: later, log: app.log, transports: undefined as never });
  t.equal(await statusOf(db, paymentId), 'expired');
  t.equal(await allocated(db, paymentId), 0);

  const declined = await startPayment(agent, db, await fields('700,00'));
  const back = await payByCard(agent, declined.page, '4000 0000 0000 0002');
  await settled(db, declined.paymentId, 'failed');
  const result = await agent.get(pathOf(back.headers.location as string));
  t.match(result.body, /Платёж не выполнен/);
  t.match(result.body, /Банк отклонил операцию/);
});

t.test('the sandbox card page checks the number (Luhn), the expiry and the CVC, and keeps the input but the number', async (t) => {
  const { page, paymentId } = await startPayment(agent, db, await fields('800,00'));
  await agent.get(page);
  const bad = await agent.post(`${page}/card`, { number: '4111 1111 1111 1112', expiry: '13/30', cvc: '12' });
  t.equal(bad.statusCode, 422);
  t.match(bad.body, /Номер карты введён с ошибкой/);
  t.match(bad.body, /Месяц срока действия/);
  t.match(bad.body, /CVC — три цифры/);
  t.notMatch(bad.body, /4111 1111 1111 1112/);
  t.equal(await statusOf(db, paymentId), 'pending');
});

t.test('rights: a «Просмотр» co-owner cannot pay, a «Просмотр и оплата» one can; an unconfirmed identity cannot', async (t) => {
  const viewer = await createResident(db);
  await coOwnerAccepted(db, resident.id, viewer.id, '7700000010', 'view');
  const viewerAgent = await residentAgent(app, db, config, viewer.id);
  const page = await viewerAgent.get(`/payments?account=${account}`);
  t.match(page.body, /право только на просмотр/);
  t.notMatch(page.body, /action="\/payments\/summary"/);
  await viewerAgent.get('/payments');
  const post = await viewerAgent.post('/payments/summary', { account: String(account), mode: 'all', amount: '10,00', method: 'card' });
  t.equal(post.statusCode, 403);
  const direct = await viewerAgent.post('/payments', { account: String(account), mode: 'all', amount: '10,00', method: 'card', idempotencyKey: 'a'.repeat(24) });
  t.equal(direct.statusCode, 403);
  t.equal((await db.selectFrom('online_payments').select('id').where('resident_id', '=', viewer.id).execute()).length, 0);

  const payer = await createResident(db);
  await coOwnerAccepted(db, resident.id, payer.id, '7700000010', 'view_pay');
  const payerAgent = await residentAgent(app, db, config, payer.id);
  await payerAgent.get(`/payments?account=${account}`);
  const summary = await payerAgent.post('/payments/summary', { account: String(account), mode: 'all', amount: '10,00', method: 'card' });
  t.equal(summary.statusCode, 200);

  const stranger = await createResident(db);
  const strangerAgent = await residentAgent(app, db, config, stranger.id);
  t.equal((await strangerAgent.get(`/payments?account=${account}`)).statusCode, 404, 'someone else’s account');

  const unconfirmed = await createResident(db, { identityStatus: 'pending' });
  await coOwnerAccepted(db, resident.id, unconfirmed.id, '7700000010', 'view_pay');
  const unconfirmedAgent = await residentAgent(app, db, config, unconfirmed.id);
  t.match((await unconfirmedAgent.get('/payments')).body, /после подтверждения личности/);
});

t.test('bad input comes back next to the field; more than is owed needs the advance confirmed', async (t) => {
  await agent.get(`/payments?account=${account}`);
  const empty = await agent.post('/payments/summary', { account: String(account), mode: 'all', amount: 'abc', method: 'bitcoin' });
  t.equal(empty.statusCode, 422);
  t.match(empty.body, /Введите сумму в рублях/);
  t.match(empty.body, /Выберите способ оплаты/);
  t.match(empty.body, /value="abc"/, 'the input is kept');
  const tooMuch = await agent.post('/payments/summary', { account: String(account), mode: 'all', amount: '9999999,00', method: 'card' });
  t.equal(tooMuch.statusCode, 422);
  t.match(tooMuch.body, /Подтверждаю аванс/);
  const none = await agent.post('/payments/summary', { account: String(account), mode: 'services', method: 'card' });
  t.equal(none.statusCode, 422);
  t.match(none.body, /Выберите хотя бы одну услугу/);
});
