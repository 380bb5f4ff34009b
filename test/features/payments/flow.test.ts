import t from 'tap';
import { accountId, demoResident, residentAgent } from '../../fixtures/accounts.js';
import { listeningApp } from '../../fixtures/esia.js';
import { allocated, checkedPayment, pathOf, payByCard, settled, startPayment, statusOf } from '../../fixtures/payments.js';

const ENV = { APP_TODAY: '2026-12-02' };

t.test('the demo resident pays the whole debt by card: the notification settles it, the money is allocated and billing sees it', async (t) => {
  const { app, db, config } = await listeningApp(t.teardown, { seed: true, env: ENV });
  const resident = await demoResident(db);
  const agent = await residentAgent(app, db, config, resident.id);
  const account = await accountId(db, '7700000010');

  const page = await agent.get(`/payments?account=${account}`);
  t.equal(page.statusCode, 200);
  t.match(page.body, /<h1>Оплата<\/h1>/);
  t.match(page.body, /Оплатить всё/);
  t.match(page.body, /Способ оплаты/);
  const amount = /name="amount" type="text"\s*value="([^"]+)"/.exec(page.body)?.[1];
  t.ok(amount, 'the amount due is filled in');

  const fields = await checkedPayment(agent, { account: String(account), mode: 'all', amount: amount!, method: 'card' });
  const { page: acquirerPage, paymentId } = await startPayment(agent, db, fields);
  t.match(acquirerPage, /^\/sandbox-acquirer\/pay\/pay_/);
  t.equal(await statusOf(db, paymentId), 'pending');

  const card = await agent.get(acquirerPage);
  t.match(card.body, /Номер карты/);
  t.match(card.body, /Срок действия/);
  t.match(card.body, /CVC/);
  const back = await payByCard(agent, acquirerPage, '4111 1111 1111 1111');
  t.equal(back.statusCode, 303);
  t.equal(pathOf(back.headers.location as string), `/payments/${paymentId}`);

  await settled(db, paymentId);
  const payment = await db.selectFrom('online_payments').selectAll().where('id', '=', paymentId).executeTakeFirstOrThrow();
  t.equal(payment.card_last4, '1111');
  t.ok(payment.transaction_id);
  t.equal(payment.paid_on, '2026-12-02');
  t.equal(await allocated(db, paymentId), Number(payment.amount_kopecks), 'allocations add up to the payment');
  const billingRows = await db.selectFrom('payments').selectAll().where('online_payment_id', '=', paymentId).execute();
  t.equal(billingRows.reduce((s, r) => s + Number(r.amount_kopecks), 0), Number(payment.amount_kopecks), 'billing counts the money once');
  const stored = await db.selectFrom('sandbox_acquirer_payments').selectAll().execute();
  t.notOk(JSON.stringify(stored).includes('4111111111111111'), 'the sandbox keeps only the last four digits');

  const result = await agent.get(`/payments/${paymentId}`);
  t.match(result.body, /Платёж выполнен/);
  t.match(result.body, /ИНН/);

  const again = await agent.get(`/payments?account=${account}`);
  t.match(again.body, /Задолженности нет/, 'the debt is gone');
});
