import t from 'tap';
import { testApp } from '../../fixtures/app.js';
import { accountId, demoResident, meterOf, residentAgent } from '../../fixtures/accounts.js';
import { installMeter, readingWindowsQuery, windowRulesOf } from '../../../src/features/readings/service.js';

t.test('reading windows are dated rows per resource; gas follows its own', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, redis: false, env: { APP_TODAY: '2026-11-20' } });
  const seeded = windowRulesOf(await readingWindowsQuery(db).execute());
  const rule = (resource: string) => seeded.filter((w) => w.resource === resource).map(({ opensDay, closesDay, closesNextMonth }) => [opensDay, closesDay, closesNextMonth]);
  t.same(rule('cold_water'), [[15, 3, true]], 'DOMAIN.md: water from the 15th to the 3rd of the next month');
  t.same(rule('hot_water'), [[15, 3, true]]);
  t.same(rule('electricity'), [[15, 26, false]], 'DOMAIN.md: electricity from the 15th to the 26th');
  t.equal(rule('gas').length, 1, 'gas has a row of its own');
  t.equal(rule('heat').length, 1, 'heat has a row of its own');

  // From November gas is read from the 21st to the 25th only.
  await db.insertInto('reading_windows').values({ resource: 'gas', valid_from: '2026-11-01', opens_day: 21, closes_day: 25, closes_next_month: false }).execute();
  const id = await accountId(db, '7700000010');
  const gas = await db.transaction().execute((trx) =>
    installMeter(trx, { accountId: id, resource: 'gas', serialNumber: 'GAS-1', zones: 1, nextVerificationDate: '2034-01-01', installedOn: '2026-10-01', initial: [10] }),
  );
  const agent = await residentAgent(app, db, config, (await demoResident(db)).id);
  const page = await agent.get(`/readings/accounts/${id}`);
  t.match(page.body, 'Приём показаний откроется 21.11.2026', 'the gas panel names its own opening day');
  const refused = await agent.post(`/readings/accounts/${id}`, { [`m${gas}t1`]: '12' });
  t.equal(refused.statusCode, 422);
  t.match(refused.body, 'Приём показаний откроется 21.11.2026');
  const cold = await meterOf(db, '7700000010', 'cold_water');
  const last = await db.selectFrom('meter_readings').select('value_t1').where('meter_id', '=', cold.id).orderBy('period', 'desc').executeTakeFirstOrThrow();
  const water = await agent.post(`/readings/accounts/${id}`, { [`m${cold.id}t1`]: String(last.value_t1 + 3).replace('.', ',') });
  t.equal(water.statusCode, 303, 'water is open on the same day by its own row');
});
