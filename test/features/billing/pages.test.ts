import t from 'tap';
import { extractText, getDocumentProxy } from 'unpdf';
import { accountId, demoResident, linkApproved, residentAgent } from '../../fixtures/accounts.js';
import { testApp } from '../../fixtures/app.js';

const ENV = { APP_TODAY: '2026-12-02' };

async function billId(db: Parameters<typeof accountId>[0], payerCode: string, period: string): Promise<number> {
  const account = await accountId(db, payerCode);
  return (await db.selectFrom('bills').select('id').where('payer_account_id', '=', account).where('period', '=', period).executeTakeFirstOrThrow()).id;
}

t.test('a resident reads «Счета», a bill as the ЕПД, its QR codes, print layout and PDF', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, env: ENV, redis: false });
  const resident = await demoResident(db);
  const agent = await residentAgent(app, db, config, resident.id);

  const list = await agent.get('/bills');
  t.equal(list.statusCode, 200);
  t.match(list.body, /<h1>Счета<\/h1>/);
  t.equal((list.body.match(/Единый платёжный документ за/g) ?? []).length, 12, 'a year of bills from the bill run');
  t.match(list.body, /Не оплачен/, 'November is not paid yet');
  t.match(list.body, /Оплачен</, 'earlier months are paid');

  const id = await billId(db, '7700000010', '2026-11-01');
  const page = await agent.get(`/bills/${id}`);
  t.equal(page.statusCode, 200);
  for (const payee of ['ГБУ «Жилищник района Тверской»', 'АО «Мосэнергосбыт»', 'Фонд капитального ремонта многоквартирных домов города Москвы']) {
    t.match(page.body, payee.replace(/[«»]/g, (c) => c));
  }
  t.match(page.body, /Электроэнергия \(T1\)/, 'two-zone electricity billed per zone');
  t.match(page.body, /Электроэнергия \(T2\)/);
  t.match(page.body, /Итого к оплате/);
  t.equal((page.body.match(/<svg[^>]*viewBox/g) ?? []).length, 3, 'a payment QR per payee');
  t.match(page.body, /Расчёт пеней/);
  t.match(page.body, /Скачать PDF/);

  const print = await agent.get(`/bills/${id}/print`);
  t.equal(print.statusCode, 200);
  t.match(print.body, /class="print"/);

  const bill = await db.selectFrom('bills').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const pdf = await agent.get(`/bills/${id}/pdf`);
  t.equal(pdf.statusCode, 200);
  t.equal(pdf.headers['content-type'], 'application/pdf');
  t.match(String(pdf.headers['content-disposition']), /attachment; filename="epd-7700000010-2026-11\.pdf"/);
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf.rawPayload)), { mergePages: true });
  t.match(text, /7700000010/, 'payer code');
  t.match(text, /АО «Мосэнергосбыт»/, 'payee names in Cyrillic');
  t.match(text, /Фонд капитального ремонта/);
  const amount = (bill.amount_due_kopecks / 100).toLocaleString('ru-RU', { minimumFractionDigits: 2 }).replace(/\s/g, ' ');
  t.ok(text.replace(/\s/g, ' ').includes(amount), `the amount due ${amount}`);
});

t.test('«Расчёт пеней» shows the stretches of a debtor’s penalty, and they add up to the bill’s penalty', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, env: ENV, redis: false });
  const resident = await demoResident(db);
  await linkApproved(db, resident.id, '7700000002');
  const agent = await residentAgent(app, db, config, resident.id);
  const id = await billId(db, '7700000002', '2026-11-01');
  const bill = await db.selectFrom('bills').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  t.ok(bill.penalty_kopecks > 0, 'the debtor has a penalty');

  const list = await agent.get(`/bills?account=${bill.payer_account_id}`);
  t.match(list.body, /Просрочен/);
  t.match(list.body, /в том числе пени/);

  const page = await agent.get(`/bills/${id}/penalty`);
  t.equal(page.statusCode, 200);
  t.match(page.body, /<h1>Расчёт пеней<\/h1>/);
  t.match(page.body, /1\/300/);
  t.match(page.body, /9,5 %/);
  t.match(page.body, /взнос на капремонт/);
  const total = (bill.penalty_kopecks / 100).toLocaleString('ru-RU', { minimumFractionDigits: 2 });
  t.ok(page.body.includes(`<strong>${total} ₽</strong>`), `the total ${total} ₽ equals the bill's penalty`);

  const home = await agent.get('/');
  t.match(home.body, /Просрочено:/, '«Главная» shows the overdue debt');
  t.match(home.body, /Подробнее/);
});

t.test('someone else’s bill is not found, whatever the URL', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, env: ENV, redis: false });
  const resident = await demoResident(db);
  const agent = await residentAgent(app, db, config, resident.id);
  const foreign = await billId(db, '7700000002', '2026-11-01');
  for (const suffix of ['', '/print', '/pdf', '/penalty']) t.equal((await agent.get(`/bills/${foreign}${suffix}`)).statusCode, 404, suffix || 'page');
  t.equal((await agent.get('/bills/abc')).statusCode, 404);
  t.equal((await agent.get(`/bills?account=${await accountId(db, '7700000002')}`)).statusCode, 404);
  t.equal((await agent.get(`/consumption?account=${await accountId(db, '7700000002')}`)).statusCode, 404);
});

t.test('«Потребление» draws a chart per resource with a table, and warns of a possible leak', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, env: ENV, redis: false });
  const resident = await demoResident(db);
  const agent = await residentAgent(app, db, config, resident.id);
  const page = await agent.get(`/consumption?account=${await accountId(db, '7700000010')}`);
  t.equal(page.statusCode, 200);
  for (const name of ['Холодная вода', 'Горячая вода', 'Электроэнергия']) t.match(page.body, `>${name}</h2>`);
  t.equal((page.body.match(/<svg class="chart"/g) ?? []).length, 3);
  t.match(page.body, /Возможна утечка/);
  t.match(page.body, /ноябрь 2026 г\. потребление больше чем вдвое/);
  t.match(page.body, /Норматив на всех проживающих/);

  const other = await agent.get(`/consumption?account=${await accountId(db, '7700000011')}`);
  t.notMatch(other.body, /Возможна утечка/);
  t.match(other.body, /по среднему или нормативу/, 'months billed by the average are marked');
});
