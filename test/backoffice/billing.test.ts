import t from 'tap';
import { DEMO_PASSWORD } from '../../src/db/seed/index.js';
import { Agent, eventually, testApp } from '../fixtures/app.js';
import { signInStaff } from '../fixtures/staff-auth.js';

const TODAY = { APP_TODAY: '2026-12-02' };

t.test('an admin adds a dated tariff; bad input comes back with messages and the input kept', async (t) => {
  const { app, db } = await testApp(t.teardown, { seed: true, env: TODAY });
  const admin = new Agent(app);
  await signInStaff(admin, db, 'admin@demo.local', DEMO_PASSWORD);

  const page = await admin.get('/admin/tariffs');
  t.equal(page.statusCode, 200);
  for (const label of ['Услуга', 'Тарифный план', 'Зона', 'Цена за единицу, ₽', 'Действует с']) t.match(page.body, `>${label}</label>`);
  t.match(page.body, /Холодная вода, м³/);
  t.match(page.body, /7736520080/, 'payees with their ИНН');

  const bad = await admin.post('/admin/tariffs', { service: 'cold_water', plan: '2', zone: 'T2', price: '12,345', valid_from: '2027-13-01', valid_to: '' });
  t.equal(bad.statusCode, 422);
  t.match(bad.body, /Зоны суток бывают только у электроэнергии/);
  t.match(bad.body, /Введите сумму в рублях, например 65,77/);
  t.match(bad.body, /Введите дату начала действия/);
  t.match(bad.body, /value="12,345"/);

  const added = await admin.post('/admin/tariffs', { service: 'electricity', plan: '2', zone: 'T2', price: '4,70', valid_from: '2027-07-01', valid_to: '' });
  t.equal(added.statusCode, 303);
  const row = await db.selectFrom('tariffs').selectAll().where('service', '=', 'electricity').where('valid_from', '=', '2027-07-01').executeTakeFirstOrThrow();
  t.same([row.plan, row.zone, row.price_kopecks], [2, 'T2', 470]);
  const audit = await db.selectFrom('audit_log').selectAll().where('action', '=', 'tariff.added').execute();
  t.equal(audit.length, 1);

  const twice = await admin.post('/admin/tariffs', { service: 'electricity', plan: '2', zone: 'T2', price: '4,80', valid_from: '2027-07-01', valid_to: '' });
  t.equal(twice.statusCode, 422);
  t.match(twice.body, /уже есть тариф с этой даты/);

  const moderator = new Agent(app);
  await signInStaff(moderator, db, 'moderator@demo.local', DEMO_PASSWORD);
  t.equal((await moderator.get('/admin/tariffs')).statusCode, 403, 'tariffs are for admins');
});

t.test('«Сформировать счета» runs the period through the queue and shows its progress', async (t) => {
  const { app, db } = await testApp(t.teardown, { seed: true, env: TODAY });
  const admin = new Agent(app);
  await signInStaff(admin, db, 'admin@demo.local', DEMO_PASSWORD);
  const form = await admin.get('/admin/bill-runs');
  t.match(form.body, />Период<\/label>/);
  t.match(form.body, /value="2026-11"/, 'last month is offered');

  const future = await admin.post('/admin/bill-runs', { period: '2027-01' });
  t.equal(future.statusCode, 422);
  t.match(future.body, /ещё не начался/);

  const started = await admin.post('/admin/bill-runs', { period: '2026-12' });
  t.equal(started.statusCode, 303);
  const url = started.headers.location as string;
  const running = await admin.get(url);
  t.match(running.body, /Формирование счетов за декабрь 2026/);
  const done = await eventually(async () => {
    const page = await admin.get(url);
    return /Завершено/.test(page.body) && page;
  }, 30_000);
  t.notMatch(done.body, /http-equiv="refresh"/, 'a finished run stops refreshing');
  const bills = await db.selectFrom('bills').select('id').where('period', '=', '2026-12-01').execute();
  const accounts = await db.selectFrom('payer_accounts').select('id').execute();
  t.equal(bills.length, accounts.length, 'one bill per account');

  // The htmx poll gets the fragment only.
  const fragment = await admin.get(url, { 'HX-Request': 'true', 'HX-Request-Type': 'partial' });
  t.notMatch(fragment.body, /<html/);
  t.match(fragment.body, /id="bill-run-progress"/);
});
