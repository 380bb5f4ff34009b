import t from 'tap';
import { extractText, getDocumentProxy } from 'unpdf';
import { accountId, coOwnerAccepted, createResident, demoResident, residentAgent } from '../../fixtures/accounts.js';
import { eventually, messageTo } from '../../fixtures/app.js';
import { listeningApp } from '../../fixtures/esia.js';
import { checkedPayment, payByCard, settled, startPayment } from '../../fixtures/payments.js';

const ENV = { APP_TODAY: '2026-12-02' };
const flat = (text: string) => text.replace(/\s+/g, ' ');

t.test('a card payment gets its fiscal receipt, emailed once; the receipt page, print and PDF show it; the history lists it', async (t) => {
  const { app, db, config } = await listeningApp(t.teardown, { seed: true, env: ENV });
  const resident = await demoResident(db);
  const agent = await residentAgent(app, db, config, resident.id);
  const account = await accountId(db, '7700000010');

  const page = await agent.get(`/payments?account=${account}`);
  const amount = /name="amount" type="text"\s*value="([^"]+)"/.exec(page.body)![1]!;
  const fields = await checkedPayment(agent, { account: String(account), mode: 'all', amount, method: 'card' });
  const { page: acquirerPage, paymentId } = await startPayment(agent, db, fields);
  await payByCard(agent, acquirerPage, '4111 1111 1111 1111');
  await settled(db, paymentId);

  const stored = await eventually(() => db.selectFrom('payment_receipts').selectAll().where('payment_id', '=', paymentId).executeTakeFirst(), 15_000);
  const payment = await db.selectFrom('online_payments').selectAll().where('id', '=', paymentId).executeTakeFirstOrThrow();
  t.equal(Number(stored.total_kopecks), Number(payment.amount_kopecks), 'the fiscal receipt is for the whole payment');
  t.equal(stored.customer_contact, resident.email);
  t.match(stored.qr, new RegExp(`^t=\\d{8}T\\d{4}&s=\\d+\\.\\d{2}&fn=${stored.fn_number}&i=${stored.fd_number}&fp=${stored.fiscal_sign}&n=1$`));

  const email = await messageTo(db, resident.email);
  t.match(email.subject, new RegExp(`Квитанция об оплате № ${paymentId}`));
  t.match(email.text, /Кассовый чек/);
  t.match(email.text, new RegExp(`ФД: ${stored.fd_number}`));
  t.match(email.text, new RegExp(`/receipts/${paymentId}`));

  // The job runs again (a retry, a redelivery): no second receipt, no second email.
  const { issueReceipt } = await import('../../../src/features/receipts/service.js');
  const { fiscalRegisterFor } = await import('../../../src/features/fiscal-register/index.js');
  t.equal(await issueReceipt(db, fiscalRegisterFor({ db, clock: app.clock, config }), paymentId, config.publicUrl), 'already issued');
  const receiptEmails = await db.selectFrom('sent_messages').select('id').where('recipient', '=', resident.email).where('subject', 'like', 'Квитанция об оплате%').execute();
  t.equal(receiptEmails.length, 1, 'one email');
  t.equal((await db.selectFrom('sandbox_fiscal_documents').select('id').execute()).length, 1, 'one fiscal document');

  const receipt = await agent.get(`/receipts/${paymentId}`);
  t.equal(receipt.statusCode, 200);
  const body = flat(receipt.body);
  t.match(body, /<h1>Квитанция об оплате № \d+<\/h1>/);
  t.match(body, /7700000010/, 'payer code');
  t.match(body, /Банковская карта/, 'method');
  t.ok(body.includes(payment.transaction_id!), 'the acquirer transaction id');
  t.match(body, /АО «Мосэнергосбыт»/, 'payees by name');
  t.match(body, /ИНН 7736520080/);
  t.match(body, /Приход/);
  t.match(body, /Полный расчёт/);
  t.match(body, /без НДС/);
  t.match(body, /Платёжный агент/);
  t.match(body, /\+7 495 981-98-19/, 'the supplier phone');
  t.match(body, /www\.nalog\.gov\.ru/);
  t.ok(body.includes(stored.fiscal_sign) && body.includes(stored.fn_number) && body.includes(stored.registration_number), 'ФП, ФН, register number');
  t.ok(body.includes(stored.qr.replace(/&/g, '&amp;')), 'the QR string');
  t.match(body, /<svg/, 'the QR code drawn');
  t.match(body, /Скачать PDF/);

  const print = await agent.get(`/receipts/${paymentId}/print`);
  t.equal(print.statusCode, 200);
  t.match(print.body, /class="print"/);

  const pdf = await agent.get(`/receipts/${paymentId}/pdf`);
  t.equal(pdf.statusCode, 200);
  t.equal(pdf.headers['content-type'], 'application/pdf');
  t.match(String(pdf.headers['content-disposition']), new RegExp(`attachment; filename="receipt-${paymentId}\\.pdf"`));
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf.rawPayload)), { mergePages: true });
  const pdfText = flat(text);
  t.match(pdfText, /Квитанция об оплате/, 'Cyrillic text in the PDF');
  t.match(pdfText, /7700000010/);
  t.match(pdfText, /Фонд капитального ремонта/);
  t.match(pdfText, /Кассовый чек/);
  t.match(pdfText, /Полный расчёт/);
  t.ok(pdfText.includes(stored.fiscal_sign), 'ФП in the PDF');

  const history = await agent.get('/payment-history');
  t.equal(history.statusCode, 200);
  t.match(history.body, new RegExp(`href="/receipts/${paymentId}"`), 'the row opens its receipt');
  t.match(history.body, /Выполнен/);
  const csv = await agent.get('/payment-history/export.csv');
  t.equal(csv.statusCode, 200);
  t.match(String(csv.headers['content-type']), /text\/csv/);
  t.match(csv.body, /^\uFEFFДата и время/);
  t.ok(csv.body.includes(`${config.publicUrl}/receipts/${paymentId}`));
  t.ok(csv.body.includes(payment.transaction_id!));

  // A «Просмотр» co-owner sees the payment and its receipt, without the payer's address.
  const coOwner = await createResident(db);
  await coOwnerAccepted(db, resident.id, coOwner.id, '7700000010', 'view');
  const coAgent = await residentAgent(app, db, config, coOwner.id);
  const coHistory = await coAgent.get('/payment-history');
  t.match(coHistory.body, new RegExp(`href="/receipts/${paymentId}"`));
  const coReceipt = await coAgent.get(`/receipts/${paymentId}`);
  t.equal(coReceipt.statusCode, 200);
  t.notOk(coReceipt.body.includes(resident.email), 'the payer email is masked');
  t.match(coReceipt.body, /r\*\*\*@demo\.local/);

  // Anyone else: as if there were no such payment.
  const stranger = await createResident(db);
  const strangerAgent = await residentAgent(app, db, config, stranger.id);
  for (const url of [`/receipts/${paymentId}`, `/receipts/${paymentId}/pdf`, `/receipts/${paymentId}/print`]) {
    t.equal((await strangerAgent.get(url)).statusCode, 404, url);
  }
  t.notOk((await strangerAgent.get('/payment-history')).body.includes(`/receipts/${paymentId}`));
  t.equal((await strangerAgent.get(`/payment-history?account=${account}`)).statusCode, 404, 'a foreign account in the filter');
  t.notOk((await strangerAgent.get('/payment-history/export.csv')).body.includes(payment.transaction_id!));
});

t.test('history filters by account, status and dates, pages, and refuses a bad date next to its field', async (t) => {
  const { app, db, config } = await listeningApp(t.teardown, { seed: true, env: ENV });
  const resident = await createResident(db);
  const { linkApproved } = await import('../../fixtures/accounts.js');
  const first = await linkApproved(db, resident.id, '7700000001');
  const second = await linkApproved(db, resident.id, '7700000002');
  const rows = Array.from({ length: 25 }, (_, i) => ({
    resident_id: resident.id,
    payer_account_id: i < 22 ? first : second,
    idempotency_key: `history-test-key-${String(i).padStart(4, '0')}`,
    method: 'sbp' as const,
    amount_kopecks: 1000 + i,
    acquirer: 'sandbox',
    status: (i % 2 === 0 ? 'failed' : 'expired') as 'failed' | 'expired',
    created_at: new Date(Date.parse('2026-11-01T09:00:00Z') + i * 86_400_000),
  }));
  await db.insertInto('online_payments').values(rows).execute();
  const agent = await residentAgent(app, db, config, resident.id);

  const all = await agent.get('/payment-history');
  t.match(all.body, /Найдено платежей: <strong>25<\/strong>/);
  t.equal((all.body.match(/<tr>/g) ?? []).length - 1, 20, 'twenty a page (plus the header row)');
  t.match(all.body, /Страница 1 из 2/);
  const page2 = await agent.get('/payment-history?page=2');
  t.equal((page2.body.match(/<tr>/g) ?? []).length - 1, 5);
  t.match(page2.body, /10,00 ₽/, 'the oldest payment on the last page');

  const byAccount = await agent.get(`/payment-history?account=${second}`);
  t.match(byAccount.body, /Найдено платежей: <strong>3<\/strong>/);
  const byStatus = await agent.get('/payment-history?status=failed');
  t.match(byStatus.body, /Найдено платежей: <strong>13<\/strong>/);
  const byDates = await agent.get('/payment-history?from=2026-11-03&to=05.11.2026');
  t.match(byDates.body, /Найдено платежей: <strong>3<\/strong>/, 'both ends of the range included, Moscow days');
  const csv = await agent.get('/payment-history/export.csv?status=expired');
  t.equal(csv.body.trim().split('\r\n').length, 1 + 12, 'the CSV keeps the filter');
  t.match(csv.body, /,СБП,Разовый,Истёк,/);

  const partial = await agent.get('/payment-history?status=failed', { 'HX-Request': 'true', 'HX-Request-Type': 'partial' });
  t.match(partial.body, /^\s*<section id="history-results"/, 'htmx gets the results alone');

  const bad = await agent.get('/payment-history?from=31.02.2026');
  t.equal(bad.statusCode, 422);
  t.match(bad.body, /id="from-error"/);
  t.match(bad.body, /value="31\.02\.2026"/, 'the input is kept');
  t.equal((await agent.get('/payment-history/export.csv?from=nonsense')).statusCode, 303);

  const empty = await agent.get('/payment-history?from=2020-01-01&to=2020-01-31');
  t.match(empty.body, /Платежей за выбранный период нет/);
});
