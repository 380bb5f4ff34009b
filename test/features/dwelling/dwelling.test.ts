import t from 'tap';
import { testApp } from '../../fixtures/app.js';
import { accountId, createResident, demoResident, residentAgent } from '../../fixtures/accounts.js';
import { dwellingFor } from '../../../src/features/dwelling/service.js';

t.test('the owner sees the dwelling data and changes it from the next period', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, redis: false, env: { APP_TODAY: '2026-11-20' } });
  const resident = await demoResident(db);
  const agent = await residentAgent(app, db, config, resident.id);
  const id = await accountId(db, '7700000010');

  const page = await agent.get(`/dwelling/${id}`);
  t.equal(page.statusCode, 200);
  t.match(page.body, '<dt>Адрес</dt><dd>г. Москва, Малый Гнездниковский пер., д. 4, кв. 10</dd>');
  t.match(page.body, '<dt>Площадь, м²</dt><dd>62,4</dd>');
  t.match(page.body, '<dt>Количество проживающих</dt><dd>3</dd>');
  t.match(page.body, '>Площадь, м²</label>');
  t.match(page.body, '>Количество проживающих</label>');
  t.notMatch(page.body, 'name="address"', 'the address is read-only');

  const invalid = await agent.post(`/dwelling/${id}`, { area: '0', residentsCount: 'три' });
  t.equal(invalid.statusCode, 422);
  t.match(invalid.body, 'Площадь должна быть больше нуля');
  t.match(invalid.body, 'Введите целое число от 0 до 99');
  t.match(invalid.body, 'value="три"');

  const saved = await agent.post(`/dwelling/${id}`, { area: '64,1', residentsCount: '4' });
  t.equal(saved.statusCode, 303);
  const change = await db.selectFrom('dwelling_changes').selectAll().where('payer_account_id', '=', id).executeTakeFirstOrThrow();
  t.equal(change.effective_from, '2026-12-01', 'applies from the next billing period');
  t.equal(change.area, 64.1);
  t.equal(change.residents_count, 4);
  t.equal(change.submitted_by, resident.id);

  t.same(await dwellingFor(db, id, '2026-11-01'), { area: 62.4, residentsCount: 3 }, 'this period keeps the registry values');
  t.same(await dwellingFor(db, id, '2026-12-01'), { area: 64.1, residentsCount: 4 });
  t.equal((await db.selectFrom('premises').select('area').innerJoin('payer_accounts', 'payer_accounts.premises_id', 'premises.id').where('payer_accounts.id', '=', id).executeTakeFirstOrThrow()).area, 62.4, 'the registry is untouched');

  const after = await agent.get(`/dwelling/${id}?saved=1`);
  t.match(after.body, 'применятся с 01.12.2026');
  t.match(after.body, '<dt>Площадь, м²</dt><dd>62,4</dd>', 'current value until next period');
  t.match(after.body, 'История изменений');
  t.match(after.body, '<td>64,1</td><td>4</td><td>resident@demo.local');

  // A second change the same month: the newest wins from the next period; the history keeps both.
  await agent.post(`/dwelling/${id}`, { area: '64,2', residentsCount: '5' });
  t.same(await dwellingFor(db, id, '2026-12-01'), { area: 64.2, residentsCount: 5 });
  t.equal((await db.selectFrom('dwelling_changes').selectAll().where('payer_account_id', '=', id).execute()).length, 2);
});

t.test('a co-owner sees the dwelling data but may not change it', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, redis: false, env: { APP_TODAY: '2026-11-20' } });
  const owner = await demoResident(db);
  const id = await accountId(db, '7700000010');
  for (const rights of ['view', 'view_pay'] as const) {
    const coOwner = await createResident(db);
    await db
      .insertInto('co_owner_grants')
      .values({ payer_account_id: id, invited_by: owner.id, invited_email: coOwner.email, rights, invited_at: new Date(), accepted_by: coOwner.id, accepted_at: new Date() })
      .execute();
    const agent = await residentAgent(app, db, config, coOwner.id);
    const page = await agent.get(`/dwelling/${id}`);
    t.equal(page.statusCode, 200);
    t.match(page.body, '<dt>Площадь, м²</dt><dd>62,4</dd>');
    t.notMatch(page.body, 'name="area"', `no form for ${rights}`);
    const post = await agent.post(`/dwelling/${id}`, { area: '10', residentsCount: '1' });
    t.equal(post.statusCode, 403);
  }
  t.equal((await db.selectFrom('dwelling_changes').selectAll().execute()).length, 0);
});
