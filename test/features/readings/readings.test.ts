import t from 'tap';
import { testApp } from '../../fixtures/app.js';
import { accountId, createStaff, demoResident, lastReading, meterOf, residentAgent, staffAgent } from '../../fixtures/accounts.js';

const COLD = 'Показания: Холодная вода, №';

function field(meterId: number, zone = 1): string {
  return `m${meterId}t${zone}`;
}

function ru(value: number): string {
  return String(value).replace('.', ',');
}

t.test('inside the windows: the form lists the meters with labelled inputs and takes a reading', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, env: { APP_TODAY: '2026-11-15' } });
  const resident = await demoResident(db);
  const agent = await residentAgent(app, db, config, resident.id);
  const cold = await meterOf(db, '7700000010', 'cold_water');
  const electricity = await meterOf(db, '7700000010', 'electricity');

  const page = await agent.get('/readings');
  t.equal(page.statusCode, 200);
  t.match(page.body, `<label class="field__label" for="${field(cold.id)}">${COLD} ${cold.serial_number}</label>`);
  t.match(page.body, `Показания: Электроэнергия T1 (день), № ${electricity.serial_number}`);
  t.match(page.body, `Показания: Электроэнергия T2 (ночь), № ${electricity.serial_number}`);
  t.match(page.body, new RegExp(`<input class="input" id="${field(cold.id)}"[^>]*>\\s*<span class="input-unit" id="${field(cold.id)}-unit">м³</span>`), 'the unit beside the input');
  t.match(page.body, /<span class="input-unit" id="m\d+t2-unit">кВт·ч<\/span>/);
  t.equal(page.body.split('>Передать показания</button>').length - 1, 2, 'one submit button per account form');
  t.match(page.body, '>Передать показания</button>');
  t.match(page.body, 'Лицевой счёт 7700000011', 'every linked account has its form');
  t.match(page.body, 'Срок поверки истекает 10.12.2026', 'the demo hot water meter is due for verification soon');

  const previous = (await lastReading(db, cold.id))!;
  t.equal(previous.period, '2026-10-01');
  const id = await accountId(db, '7700000010');
  const sent = await agent.post(`/readings/accounts/${id}`, { [field(cold.id)]: ru(previous.value_t1 + 4.125) });
  t.equal(sent.statusCode, 303);
  t.equal(sent.headers.location, `/readings?sent=${id}#account-${id}`);
  const saved = (await lastReading(db, cold.id))!;
  t.equal(saved.period, '2026-11-01', 'a reading on the 15th belongs to this month');
  t.equal(saved.value_t1, Math.round((previous.value_t1 + 4.125) * 1000) / 1000);
  t.equal(saved.submitted_by, resident.id);

  // Within the window the latest submission for the period replaces the earlier one.
  const again = await agent.post(`/readings/accounts/${id}`, { [field(cold.id)]: (previous.value_t1 + 5).toFixed(3) });
  t.equal(again.statusCode, 303);
  const rows = await db.selectFrom('meter_readings').selectAll().where('meter_id', '=', cold.id).where('period', '=', '2026-11-01').execute();
  t.equal(rows.length, 1);
  t.equal(rows[0]!.value_t1, Math.round((previous.value_t1 + 5) * 1000) / 1000);
  t.equal(rows[0]!.replaced_count, 1);
  const shown = await agent.get('/readings');
  t.match(shown.body, 'новые показания заменят их');

  // Two-zone electricity takes both zones.
  const lastKwh = (await lastReading(db, electricity.id))!;
  const kwh = await agent.post(`/readings/accounts/${id}`, {
    [field(electricity.id, 1)]: String(lastKwh.value_t1 + 150),
    [field(electricity.id, 2)]: String(lastKwh.value_t2! + 60),
  });
  t.equal(kwh.statusCode, 303);
  const savedKwh = (await lastReading(db, electricity.id))!;
  t.same([savedKwh.period, savedKwh.value_t1, savedKwh.value_t2], ['2026-11-01', lastKwh.value_t1 + 150, lastKwh.value_t2! + 60]);

  // The history shows consumption per period.
  const history = await agent.get(`/readings/meters/${cold.id}`);
  t.equal(history.statusCode, 200);
  t.match(history.body, 'ноябрь 2026');
  t.match(history.body, new RegExp(`<td[^>]*>${ru(5)}</td>`), 'November consumption is 5 m³');
});

t.test('readings are checked: format, not lower than the previous one, unusual jumps, nothing typed', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, env: { APP_TODAY: '2026-11-20' } });
  const resident = await demoResident(db);
  const agent = await residentAgent(app, db, config, resident.id);
  const cold = await meterOf(db, '7700000010', 'cold_water');
  const id = await accountId(db, '7700000010');
  const previous = (await lastReading(db, cold.id))!;
  await agent.get('/readings');

  const lower = await agent.post(`/readings/accounts/${id}`, { [field(cold.id)]: ru(previous.value_t1 - 0.001) });
  t.equal(lower.statusCode, 422);
  t.match(lower.body, 'Показания не могут быть меньше предыдущих');
  t.match(lower.body, 'class="error-summary"');
  t.match(lower.body, `value="${ru(previous.value_t1 - 0.001)}"`, 'the input is kept');
  t.equal((await lastReading(db, cold.id))!.period, '2026-10-01', 'nothing saved');

  const badFormat = await agent.post(`/readings/accounts/${id}`, { [field(cold.id)]: '12,3456' });
  t.equal(badFormat.statusCode, 422);
  t.match(badFormat.body, 'не больше трёх знаков после запятой');

  const nothing = await agent.post(`/readings/accounts/${id}`, {});
  t.equal(nothing.statusCode, 422);
  t.match(nothing.body, 'Введите показания хотя бы одного счётчика');

  const jump = previous.value_t1 + 200;
  const unusual = await agent.post(`/readings/accounts/${id}`, { [field(cold.id)]: ru(jump) });
  t.equal(unusual.statusCode, 422);
  t.match(unusual.body, 'Проверьте показания');
  t.match(unusual.body, new RegExp(`<input type="checkbox" id="confirm-${cold.id}" name="confirm" value="yes"`));
  t.equal((await lastReading(db, cold.id))!.period, '2026-10-01');

  const confirmed = await agent.post(`/readings/accounts/${id}`, { [field(cold.id)]: ru(jump), confirm: 'yes' });
  t.equal(confirmed.statusCode, 303);
  t.equal((await lastReading(db, cold.id))!.value_t1, jump);
});

t.test('a meter past its verification date refuses readings and shows the date', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, env: { APP_TODAY: '2026-11-20' } });
  const resident = await demoResident(db);
  const agent = await residentAgent(app, db, config, resident.id);
  const hot = await meterOf(db, '7700000010', 'hot_water');
  await db.updateTable('meters').set({ next_verification_date: '2026-11-19' }).where('id', '=', hot.id).execute();
  const id = await accountId(db, '7700000010');

  const page = await agent.get('/readings');
  t.match(page.body, 'Срок поверки истёк 19.11.2026');
  t.notMatch(page.body, `for="${field(hot.id)}"`, 'no input for the overdue meter');

  const previous = (await lastReading(db, hot.id))!;
  const refused = await agent.post(`/readings/accounts/${id}`, { [field(hot.id)]: ru(previous.value_t1 + 1) });
  t.equal(refused.statusCode, 422);
  t.match(refused.body, 'истёк 19.11.2026: показания не принимаются');
  t.equal((await lastReading(db, hot.id))!.period, '2026-10-01');
});

// Window edges through APP_TODAY: which meters take readings, for which period, and
// when a closed window opens.
const EDGES: { today: string; water: string | null; electricity: string | null; opens?: string }[] = [
  { today: '2026-11-14', water: null, electricity: null, opens: '15.11.2026' },
  { today: '2026-11-26', water: '2026-11-01', electricity: '2026-11-01' },
  { today: '2026-11-27', water: '2026-11-01', electricity: null, opens: '15.12.2026' },
  { today: '2026-12-02', water: '2026-11-01', electricity: null, opens: '15.12.2026' },
  { today: '2026-12-03', water: '2026-11-01', electricity: null, opens: '15.12.2026' },
  { today: '2026-12-04', water: null, electricity: null, opens: '15.12.2026' },
];

for (const edge of EDGES) {
  t.test(`on ${edge.today} water is ${edge.water ? 'open' : 'closed'} and electricity ${edge.electricity ? 'open' : 'closed'}`, async (t) => {
    const { app, db, config } = await testApp(t.teardown, { seed: true, redis: false, env: { APP_TODAY: edge.today } });
    const resident = await demoResident(db);
    const agent = await residentAgent(app, db, config, resident.id);
    const id = await accountId(db, '7700000011');
    const cold = await meterOf(db, '7700000011', 'cold_water');
    const electricity = await meterOf(db, '7700000011', 'electricity');
    const page = await agent.get(`/readings/accounts/${id}`);
    t.equal(page.statusCode, 200);
    if (edge.opens) t.match(page.body, `Приём показаний откроется ${edge.opens}`);

    const coldBefore = (await lastReading(db, cold.id))!;
    const water = await agent.post(`/readings/accounts/${id}`, { [field(cold.id)]: ru(coldBefore.value_t1 + 3) });
    if (edge.water) {
      t.equal(water.statusCode, 303);
      t.equal((await lastReading(db, cold.id))!.period, edge.water);
    } else {
      t.equal(water.statusCode, 422);
      t.match(water.body, 'Приём показаний откроется');
    }

    const kwhBefore = (await lastReading(db, electricity.id))!;
    const kwh = await agent.post(`/readings/accounts/${id}`, {
      [field(electricity.id, 1)]: String(kwhBefore.value_t1 + 10),
      [field(electricity.id, 2)]: String(kwhBefore.value_t2! + 10),
    });
    t.equal(kwh.statusCode, edge.electricity ? 303 : 422);
    t.equal((await lastReading(db, electricity.id))!.period, edge.electricity ?? kwhBefore.period);
  });
}

t.test('after staff record a meter replacement, readings count from the new meter', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, env: { APP_TODAY: '2026-11-20' } });
  const resident = await demoResident(db);
  const agent = await residentAgent(app, db, config, resident.id);
  const moderator = await staffAgent(app, db, config, await createStaff(db, ['moderator']));
  const id = await accountId(db, '7700000010');
  const old = await meterOf(db, '7700000010', 'cold_water');

  const oldLast = (await lastReading(db, old.id))!;
  await moderator.get(`/admin/accounts/${id}/meters/${old.id}/replacement`);
  const replaced = await moderator.post(`/admin/accounts/${id}/meters/${old.id}/replacement`, {
    replacedOn: '2026-11-20',
    final1: ru(oldLast.value_t1 + 1.5),
    serialNumber: 'NEW-555',
    initial1: '0,5',
    nextVerificationDate: '2032-11-20',
  });
  t.equal(replaced.statusCode, 303);
  const fresh = await meterOf(db, '7700000010', 'cold_water');
  t.equal(fresh.serial_number, 'NEW-555');

  const page = await agent.get('/readings');
  t.match(page.body, `${COLD} NEW-555`);
  t.notMatch(page.body, `${COLD} ${old.serial_number}<`);
  const below = await agent.post(`/readings/accounts/${id}`, { [field(fresh.id)]: '0,4' });
  t.equal(below.statusCode, 422, 'not lower than the new meter’s initial reading');
  const accepted = await agent.post(`/readings/accounts/${id}`, { [field(fresh.id)]: '3,5' });
  t.equal(accepted.statusCode, 303, 'far below the old meter’s last value, yet accepted');
  t.equal((await lastReading(db, fresh.id))!.value_t1, 3.5);
  const stale = await agent.post(`/readings/accounts/${id}`, { [field(old.id)]: '99999' });
  t.equal(stale.statusCode, 422, 'the old meter takes no readings');
  const final = (await lastReading(db, old.id))!;
  t.same([final.period, final.value_t1], ['2026-11-01', oldLast.value_t1 + 1.5], 'the final reading is the old meter’s last, in the replacement month');
});

t.test('the demo readings are consistent with the bills', async (t) => {
  const { db } = await testApp(t.teardown, { seed: true, redis: false, env: { APP_TODAY: '2026-11-20' } });
  const { meterHistory } = await import('../../../src/features/readings/service.js');
  const id = await accountId(db, '7700000010');
  const billed = await db
    .selectFrom('bills as b')
    .innerJoin('bill_lines as l', 'l.bill_id', 'b.id')
    .select(['b.period', 'l.service', 'l.quantity'])
    .where('b.payer_account_id', '=', id)
    .execute();
  t.equal(new Set(billed.map((b) => b.period)).size, 12, 'a year of bills');
  for (const resource of ['cold_water', 'hot_water', 'electricity'] as const) {
    const history = (await meterHistory(db, (await meterOf(db, '7700000010', resource)).id))!;
    t.equal(history.entries.length, 12, `${resource}: a year of readings`);
    for (const entry of history.entries) {
      // Electricity is billed per zone: its lines add up to the meter's consumption.
      const quantity = billed.filter((b) => b.period === entry.period && b.service === resource).reduce((sum, b) => sum + Number(b.quantity), 0);
      t.equal(entry.used, quantity, `${resource} ${entry.period}`);
    }
  }
});

t.test('a normal reading after five months without any is not taken for a jump', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, env: { APP_TODAY: '2026-11-20' } });
  const resident = await demoResident(db);
  const agent = await residentAgent(app, db, config, resident.id);
  const cold = await meterOf(db, '7700000010', 'cold_water');
  const id = await accountId(db, '7700000010');
  // The resident last sent a reading for May; June to October are missing.
  await db.deleteFrom('meter_readings').where('meter_id', '=', cold.id).where('period', '>', '2026-05-01').execute();
  const kept = await db.selectFrom('meter_readings').select(['period', 'value_t1']).where('meter_id', '=', cold.id).orderBy('period').execute();
  const monthly = kept.slice(1).map((r, i) => r.value_t1 - kept[i]!.value_t1);
  const usual = Math.max(...monthly.slice(-6));
  const previous = kept[kept.length - 1]!.value_t1;
  await agent.get('/readings');

  // Six months' usual use since May: a lot at once, but normal per month.
  const normal = Math.round((previous + 6 * usual) * 1000) / 1000;
  const sent = await agent.post(`/readings/accounts/${id}`, { [field(cold.id)]: ru(normal) });
  t.equal(sent.statusCode, 303, 'accepted without «Проверьте показания»');
  t.equal((await lastReading(db, cold.id))!.value_t1, normal);

  // A real jump after the same gap still asks for confirmation, and says it was spread over the months.
  await db.deleteFrom('meter_readings').where('meter_id', '=', cold.id).where('period', '=', '2026-11-01').execute();
  const tooMuch = Math.round((previous + 6 * 4 * usual) * 1000) / 1000;
  const unusual = await agent.post(`/readings/accounts/${id}`, { [field(cold.id)]: ru(tooMuch) });
  t.equal(unusual.statusCode, 422);
  t.match(unusual.body, /Проверьте показания: расход [\d\s ,]+ м³ \([\d\s ,]+ м³ в месяц за 6 месяцев\)/);
});

t.test('a meter commissioned after the open period refuses readings for it, with the date', async (t) => {
  // On 2 December the water window still takes November's readings.
  const { app, db, config } = await testApp(t.teardown, { seed: true, env: { APP_TODAY: '2026-12-02' } });
  const resident = await demoResident(db);
  const agent = await residentAgent(app, db, config, resident.id);
  const cold = await meterOf(db, '7700000010', 'cold_water');
  const id = await accountId(db, '7700000010');
  await db.updateTable('meters').set({ installed_on: '2026-12-01' }).where('id', '=', cold.id).execute();
  await agent.get('/readings');
  const previous = (await lastReading(db, cold.id))!;
  const refused = await agent.post(`/readings/accounts/${id}`, { [field(cold.id)]: ru(previous.value_t1 + 3) });
  t.equal(refused.statusCode, 422);
  t.match(refused.body, `Счётчик № ${cold.serial_number} введён в эксплуатацию 01.12.2026: показания за период до этой даты не принимаются`);
  t.equal((await lastReading(db, cold.id))!.period, previous.period, 'nothing saved');
});

t.test('staff record a passed verification: the same meter takes readings again', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, env: { APP_TODAY: '2026-11-20' } });
  const resident = await demoResident(db);
  const agent = await residentAgent(app, db, config, resident.id);
  const hot = await meterOf(db, '7700000010', 'hot_water');
  const id = await accountId(db, '7700000010');
  await db.updateTable('meters').set({ next_verification_date: '2026-11-10' }).where('id', '=', hot.id).execute();
  await agent.get('/readings');
  const previous = (await lastReading(db, hot.id))!;
  t.equal((await agent.post(`/readings/accounts/${id}`, { [field(hot.id)]: ru(previous.value_t1 + 2) })).statusCode, 422, 'overdue first');

  const staffId = await createStaff(db, ['moderator']);
  const staff = await staffAgent(app, db, config, staffId);
  const form = await staff.get(`/admin/accounts/${id}/meters/${hot.id}/verification`);
  t.match(form.body, '>Дата следующей поверки</label>');
  const bad = await staff.post(`/admin/accounts/${id}/meters/${hot.id}/verification`, { verifiedOn: '2026-11-21', nextVerificationDate: '2026-11-01' });
  t.equal(bad.statusCode, 422);
  t.match(bad.body, 'Дата поверки не может быть позже сегодняшней');
  t.match(bad.body, 'Дата следующей поверки должна быть позже сегодняшней');
  const done = await staff.post(`/admin/accounts/${id}/meters/${hot.id}/verification`, { verifiedOn: '2026-11-18', nextVerificationDate: '2030-11-18' });
  t.equal(done.statusCode, 303);
  const meter = await db.selectFrom('meters').selectAll().where('id', '=', hot.id).executeTakeFirstOrThrow();
  t.same([meter.next_verification_date, meter.active, meter.serial_number], ['2030-11-18', true, hot.serial_number], 'not replaced');
  t.equal((await db.selectFrom('audit_log').select('staff_id').where('action', '=', 'meter.verified').executeTakeFirstOrThrow()).staff_id, staffId);
  t.equal((await agent.post(`/readings/accounts/${id}`, { [field(hot.id)]: ru(previous.value_t1 + 2) })).statusCode, 303, 'readings accepted again, from the previous value');
});
