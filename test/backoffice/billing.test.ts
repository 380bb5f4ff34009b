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

t.test('an admin adds a payee with a checked ИНН and bank details; the addition is audited', async (t) => {
  const { app, db } = await testApp(t.teardown, { seed: true, redis: false, env: TODAY });
  const admin = new Agent(app);
  await signInStaff(admin, db, 'admin@demo.local', DEMO_PASSWORD);
  const page = await admin.get('/admin/tariffs');
  for (const label of ['Наименование получателя', 'ИНН', 'КПП', 'Банк', 'БИК', 'Расчётный счёт', 'Корреспондентский счёт']) t.match(page.body, `>${label}</label>`);
  const valid = {
    name: 'ГБУ «Жилищник района Арбат»', inn: '7707083893', kpp: '770401001', bank_name: 'ПАО Сбербанк', bic: '044525225',
    account: '40702810380000001234', corr_account: '30101810400000000225',
  };

  const bad = await admin.post('/admin/tariffs/payees', { ...valid, inn: '7707083894', account: '40702810380000001243' });
  t.equal(bad.statusCode, 422);
  t.match(bad.body, /id="inn-error"><span class="visually-hidden">Ошибка:<\/span> ИНН с ошибкой: не сходится контрольная цифра/);
  t.match(bad.body, /id="account-error"><span class="visually-hidden">Ошибка:<\/span> Расчётный счёт не сходится с БИК/);
  t.match(bad.body, '<a href="#inn">ИНН с ошибкой', 'in the error summary too');
  t.match(bad.body, 'value="ГБУ «Жилищник района Арбат»"', 'the input is kept');
  t.equal((await db.selectFrom('payees').select('id').where('name', '=', valid.name).execute()).length, 0, 'nothing written');

  const added = await admin.post('/admin/tariffs/payees', valid);
  t.equal(added.statusCode, 303);
  t.equal(added.headers.location, '/admin/tariffs?done=payee-added#payees');
  const row = await db.selectFrom('payees').selectAll().where('name', '=', valid.name).executeTakeFirstOrThrow();
  t.same([row.inn, row.kpp, row.bic, row.account, row.corr_account, row.provider_id], [valid.inn, valid.kpp, valid.bic, valid.account, valid.corr_account, null]);
  const audit = await db.selectFrom('audit_log').selectAll().where('action', '=', 'payee.added').execute();
  t.equal(audit.length, 1);
  t.match(audit[0]!.details, { name: valid.name, inn: valid.inn });
  const listed = await admin.get('/admin/tariffs?done=payee-added');
  t.match(listed.body, 'Получатель платежей добавлен.');
  t.match(listed.body, `<td>${valid.name}</td><td>7707083893 / 770401001</td>`);

  const twice = await admin.post('/admin/tariffs/payees', valid);
  t.equal(twice.statusCode, 422);
  t.match(twice.body, 'Получатель с таким наименованием уже есть');

  const moderator = new Agent(app);
  await signInStaff(moderator, db, 'moderator@demo.local', DEMO_PASSWORD);
  t.equal((await moderator.post('/admin/tariffs/payees', valid)).statusCode, 403, 'payees are for admins');
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
