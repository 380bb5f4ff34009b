import t from 'tap';
import { testApp } from '../fixtures/app.js';
import { accountId, createStaff, meterOf, staffAgent } from '../fixtures/accounts.js';

t.test('«Лицевые счета»: look-up, account page, meter replacement', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, redis: false, env: { APP_TODAY: '2026-11-20' } });
  const moderatorId = await createStaff(db, ['moderator']);
  const moderator = await staffAgent(app, db, config, moderatorId);

  t.test('only moderators and administrators', async (t) => {
    const dispatcher = await staffAgent(app, db, config, await createStaff(db, ['dispatcher']));
    t.equal((await dispatcher.get('/admin/accounts?q=7700000010')).statusCode, 403);
    const admin = await staffAgent(app, db, config, await createStaff(db, ['admin']));
    t.equal((await admin.get('/admin/accounts?q=7700000010')).statusCode, 200);
  });

  t.test('by payer code (spaces and dashes allowed) or by a part of the address', async (t) => {
    const byCode = await moderator.get(`/admin/accounts?q=${encodeURIComponent('77 0000-0010')}`);
    t.equal(byCode.statusCode, 200);
    t.match(byCode.body, '>7700000010</a>');
    t.notMatch(byCode.body, '>7700000011</a>');
    const byAddress = await moderator.get(`/admin/accounts?q=${encodeURIComponent('тверская')}`);
    for (const code of ['7700000001', '7700000002', '7700000003']) t.match(byAddress.body, `>${code}</a>`);
    t.notMatch(byAddress.body, '>7700000010</a>');
    const none = await moderator.get('/admin/accounts?q=%25');
    t.match(none.body, 'Ничего не найдено', 'a % is a character, not a wildcard');
  });

  t.test('results are paginated', async (t) => {
    const building = await db.selectFrom('buildings').select('id').where('unom', '=', 1003).executeTakeFirstOrThrow();
    for (let flat = 100; flat < 125; flat += 1) {
      const premises = await db.insertInto('premises').values({ building_id: building.id, flat_number: String(flat), area: 40, residents_count: 1 }).returning('id').executeTakeFirstOrThrow();
      await db.insertInto('payer_accounts').values({ payer_code: `77100${String(flat).padStart(5, '0')}`, provider_id: 1, premises_id: premises.id }).execute();
    }
    const q = encodeURIComponent('Большая Дмитровка');
    const first = await moderator.get(`/admin/accounts?q=${q}`);
    t.equal((first.body.match(/href="\/admin\/accounts\/\d+"/g) ?? []).length, 20);
    t.match(first.body, `page=2">Дальше →</a>`);
    const second = await moderator.get(`/admin/accounts?q=${q}&page=2`);
    t.equal((second.body.match(/href="\/admin\/accounts\/\d+"/g) ?? []).length, 6);
    t.notMatch(second.body, 'Дальше →');
  });

  t.test('the account page lists meters; a replacement deactivates the old one, is audited', async (t) => {
    const id = await accountId(db, '7700000010');
    const hot = await meterOf(db, '7700000010', 'hot_water');
    const page = await moderator.get(`/admin/accounts/${id}`);
    t.equal(page.statusCode, 200);
    t.match(page.body, hot.serial_number);
    t.match(page.body, 'resident@demo.local');
    t.match(page.body, `href="/admin/accounts/${id}/meters/${hot.id}/replacement">Заменить счётчик</a>`);

    const other = await accountId(db, '7700000011');
    t.equal((await moderator.get(`/admin/accounts/${other}/meters/${hot.id}/replacement`)).statusCode, 404, 'the meter must belong to the account');

    await moderator.get(`/admin/accounts/${id}/meters/${hot.id}/replacement`);
    const invalid = await moderator.post(`/admin/accounts/${id}/meters/${hot.id}/replacement`, { replacedOn: '2026-09-30', final1: '', serialNumber: '', initial1: '-5', nextVerificationDate: '2026-11-20' });
    t.equal(invalid.statusCode, 422);
    t.match(invalid.body, 'Введите заводской номер счётчика');
    t.match(invalid.body, 'Показания не могут быть отрицательными');
    t.match(invalid.body, 'Дата следующей поверки должна быть позже сегодняшней');
    t.match(invalid.body, 'Введите показания');
    t.match(invalid.body, 'value="2026-09-30"', 'the input comes back');

    const last = await db.selectFrom('meter_readings').select(['period', 'value_t1']).where('meter_id', '=', hot.id).orderBy('period', 'desc').executeTakeFirstOrThrow();
    t.equal(last.period, '2026-10-01');
    const tooEarly = await moderator.post(`/admin/accounts/${id}/meters/${hot.id}/replacement`, { replacedOn: '2026-09-30', final1: '999', serialNumber: 'HW-2026-01', initial1: '1,25', nextVerificationDate: '2030-11-20' });
    t.equal(tooEarly.statusCode, 422);
    t.match(tooEarly.body, 'не раньше 01.10.2026', 'the current or the previous period only');
    const lower = await moderator.post(`/admin/accounts/${id}/meters/${hot.id}/replacement`, { replacedOn: '2026-11-05', final1: '1', serialNumber: 'HW-2026-01', initial1: '1,25', nextVerificationDate: '2030-11-20' });
    t.match(lower.body, 'Конечные показания не могут быть меньше предыдущих');

    // Replaced last month: the final reading becomes October's reading of the old meter.
    const final = String(last.value_t1 + 2).replace('.', ',');
    const done = await moderator.post(`/admin/accounts/${id}/meters/${hot.id}/replacement`, { replacedOn: '2026-10-28', final1: final, serialNumber: 'HW-2026-01', initial1: '1,25', nextVerificationDate: '2030-11-20' });
    t.equal(done.statusCode, 303);
    const old = await db.selectFrom('meters').selectAll().where('id', '=', hot.id).executeTakeFirstOrThrow();
    t.equal(old.active, false);
    t.equal(old.replaced_on, '2026-10-28');
    const october = await db.selectFrom('meter_readings').select(['value_t1', 'submitted_by']).where('meter_id', '=', hot.id).where('period', '=', '2026-10-01').executeTakeFirstOrThrow();
    t.same([october.value_t1, october.submitted_by], [last.value_t1 + 2, null]);
    const fresh = await meterOf(db, '7700000010', 'hot_water');
    t.same([fresh.serial_number, fresh.initial_t1, fresh.next_verification_date, fresh.installed_on], ['HW-2026-01', 1.25, '2030-11-20', '2026-10-28']);
    const replacement = await db.selectFrom('meter_replacements').selectAll().where('old_meter_id', '=', hot.id).executeTakeFirstOrThrow();
    t.equal(replacement.new_meter_id, fresh.id);
    t.equal(replacement.staff_id, moderatorId);
    t.equal(replacement.replaced_on, '2026-10-28');
    const audit = await db.selectFrom('audit_log').selectAll().where('action', '=', 'meter.replaced').executeTakeFirstOrThrow();
    t.equal(audit.subject_id, String(hot.id));
    t.match(audit.details, { newSerial: 'HW-2026-01', replacedOn: '2026-10-28', final: [last.value_t1 + 2] });

    const again = await moderator.post(`/admin/accounts/${id}/meters/${hot.id}/replacement`, { replacedOn: '2026-11-20', final1: '9999', serialNumber: 'HW-X', initial1: '0', nextVerificationDate: '2030-11-20' });
    t.equal(again.statusCode, 404, 'a replaced meter cannot be replaced again');

    // Two-zone electricity asks for both initial readings.
    const kwh = await meterOf(db, '7700000010', 'electricity');
    const form = await moderator.get(`/admin/accounts/${id}/meters/${kwh.id}/replacement`);
    t.match(form.body, '>Начальные показания T1</label>');
    t.match(form.body, '>Начальные показания T2</label>');
    t.match(form.body, '>Конечные показания T2</label>');
    t.match(form.body, '>Дата замены</label>');
  });

  t.test('«Добавить счётчик»: a resource without a working meter, validated and audited', async (t) => {
    const id = await accountId(db, '7700000011');
    const form = await moderator.get(`/admin/accounts/${id}/meters/new`);
    t.equal(form.statusCode, 200);
    t.match(form.body, '<option value="gas">Газ</option>');
    t.notMatch(form.body, '<option value="cold_water">', 'cold water already has a working meter');

    const invalid = await moderator.post(`/admin/accounts/${id}/meters`, { resource: 'cold_water', zones: '1', serialNumber: '', installedOn: '2026-12-01', initial1: 'abc', nextVerificationDate: '' });
    t.equal(invalid.statusCode, 422);
    t.match(invalid.body, 'На лицевом счёте уже есть работающий счётчик');
    t.match(invalid.body, 'Введите заводской номер счётчика');
    t.match(invalid.body, 'Дата ввода в эксплуатацию не может быть позже сегодняшней');
    t.match(invalid.body, 'Введите число, например 123,456');
    t.match(invalid.body, 'Введите дату следующей поверки');

    const done = await moderator.post(`/admin/accounts/${id}/meters`, { resource: 'gas', zones: '3', serialNumber: 'GAS-77', installedOn: '2026-11-02', initial1: '12,5', initial2: '', nextVerificationDate: '2034-11-02' });
    t.equal(done.statusCode, 303);
    const gas = await db.selectFrom('meters').selectAll().where('payer_account_id', '=', id).where('resource', '=', 'gas').executeTakeFirstOrThrow();
    t.same([gas.serial_number, gas.zones, gas.installed_on, gas.initial_t1, gas.initial_t2, gas.active], ['GAS-77', 1, '2026-11-02', 12.5, null, true], 'a gas meter has one zone whatever was sent');
    const audit = await db.selectFrom('audit_log').selectAll().where('action', '=', 'meter.added').executeTakeFirstOrThrow();
    t.same([audit.subject_id, audit.staff_id], [String(gas.id), moderatorId]);
    t.match((await moderator.get(`/admin/accounts/${id}?added=1`)).body, 'Счётчик добавлен.');

    const twice = await moderator.post(`/admin/accounts/${id}/meters`, { resource: 'gas', zones: '1', serialNumber: 'GAS-78', installedOn: '2026-11-02', initial1: '0', nextVerificationDate: '2034-11-02' });
    t.equal(twice.statusCode, 422, 'a second working gas meter is refused');
    t.equal((await moderator.post(`/admin/accounts/999999/meters`, { resource: 'gas' })).statusCode, 404);
  });
});
