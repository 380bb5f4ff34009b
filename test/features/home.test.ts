import t from 'tap';
import { Agent, testApp } from '../fixtures/app.js';
import { sessionCookie } from '../fixtures/sessions.js';
import { period, rubles } from '../../src/lib/format.js';

t.test('the home page explains the service and links to sign-up and sign-in', async (t) => {
  const { app } = await testApp(t.teardown, { redis: false });
  const response = await new Agent(app).get('/');
  t.equal(response.statusCode, 200);
  t.match(response.headers['content-type'], /text\/html/);
  t.match(response.body, /<a class="button" href="\/register">Зарегистрироваться<\/a>/);
  t.match(response.body, /href="\/login">Войти<\/a>/);
  t.match(response.body, /class="skip-link" href="#main"/);
  t.match(response.headers['content-security-policy'], /script-src 'self'/);
});

t.test('a signed-in resident sees the sections and the latest bill of each account', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { redis: false, seed: true });
  const resident = await db.selectFrom('residents').select('id').where('email', '=', 'resident@demo.local').executeTakeFirstOrThrow();
  const cookie = await sessionCookie(db, config, { residentId: resident.id });
  const response = await new Agent(app).setCookie(cookie.name, cookie.value).get('/');
  t.equal(response.statusCode, 200);
  for (const section of ['Главная', 'Услуги', 'Показания', 'Подтверждение личности', 'Совладельцы', 'Профиль']) {
    t.match(response.body, `>${section}</a>`);
  }
  const latest = await db
    .selectFrom('bills')
    .innerJoin('payer_accounts', 'payer_accounts.id', 'bills.payer_account_id')
    .select(['payer_code', 'amount_due_kopecks', 'period'])
    .where('payer_code', '=', '7700000010')
    .orderBy('period', 'desc')
    .executeTakeFirstOrThrow();
  t.match(response.body, 'Лицевой счёт 7700000010');
  t.match(response.body, 'Лицевой счёт 7700000011');
  t.match(response.body, rubles(latest.amount_due_kopecks), 'the amount due of the newest bill');
  t.match(response.body, period(latest.period));
  t.notMatch(response.body, 'Лицевой счёт 7700000001<', 'accounts of nobody else');
});

t.test('a resident without accounts is offered to connect one', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { redis: false });
  const resident = await db
    .insertInto('residents')
    .values({ email: 'new@example.ru', phone: '+79160000000', password_hash: 'x', email_confirmed_at: new Date() })
    .returning('id')
    .executeTakeFirstOrThrow();
  const cookie = await sessionCookie(db, config, { residentId: resident.id });
  const response = await new Agent(app).setCookie(cookie.name, cookie.value).get('/');
  t.match(response.body, 'Лицевые счета пока не подключены');
  t.match(response.body, 'href="/services/utilities/new"');
});
