import t from 'tap';
import { messageTo, testApp } from '../../fixtures/app.js';
import { accountId, createResident, createStaff, demoResident, residentAgent, staffAgent } from '../../fixtures/accounts.js';
import { dwellingFor } from '../../../src/features/dwelling/service.js';

t.test('the owner asks for a bounded change; staff approve it and it applies from the next period', async (t) => {
  const clock = { day: '2026-11-20' };
  const { app, db, config } = await testApp(t.teardown, {
    seed: true,
    clock: { now: () => new Date(`${clock.day}T09:00:00Z`), today: () => clock.day },
  });
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
  t.match(page.body, '>Запросить изменение</button>');
  t.notMatch(page.body, 'name="address"', 'the address is read-only');

  const invalid = await agent.post(`/dwelling/${id}`, { area: '0,5', residentsCount: 'три' });
  t.equal(invalid.statusCode, 422);
  t.match(invalid.body, 'Площадь — от 1 до 1000 м²');
  t.match(invalid.body, 'Количество проживающих — целое число от 0 до 30');
  t.match(invalid.body, 'value="три"');
  t.match((await agent.post(`/dwelling/${id}`, { area: '1000,01', residentsCount: '31' })).body, /от 1 до 1000 м².*от 0 до 30/s);
  t.equal((await agent.post(`/dwelling/${id}`, { area: '1000', residentsCount: '30', comment: 'x'.repeat(501) })).statusCode, 422, 'a long comment');
  t.equal((await db.selectFrom('dwelling_changes').selectAll().execute()).length, 0, 'nothing written');

  const sent = await agent.post(`/dwelling/${id}`, { area: '64,1', residentsCount: '4', comment: 'Временная регистрация сына до 01.06.2027' });
  t.equal(sent.statusCode, 303);
  const request = await db.selectFrom('dwelling_changes').selectAll().where('payer_account_id', '=', id).executeTakeFirstOrThrow();
  t.same([request.status, request.area, request.residents_count, request.submitted_by], ['pending', 64.1, 4, resident.id]);
  t.same(await dwellingFor(db, id, '2026-12-01'), { area: 62.4, residentsCount: 3 }, 'nothing applies before a decision');
  const waiting = await agent.get(`/dwelling/${id}?saved=1`);
  t.match(waiting.body, 'Заявка отправлена');
  t.match(waiting.body, 'На рассмотрении');

  // Staff decide on 2 December: the change applies from January.
  clock.day = '2026-12-02';
  const moderatorId = await createStaff(db, ['moderator']);
  const moderator = await staffAgent(app, db, config, moderatorId);
  const queue = await moderator.get('/admin/dwelling-requests');
  t.match(queue.body, `/admin/dwelling-requests/${request.id}`);
  t.match(queue.body, '62,4 м², проживающих: 3');
  const shown = await moderator.get(`/admin/dwelling-requests/${request.id}`);
  t.match(shown.body, 'Временная регистрация сына до 01.06.2027');
  const approved = await moderator.post(`/admin/dwelling-requests/${request.id}/approval`);
  t.equal(approved.statusCode, 303);
  t.same(await dwellingFor(db, id, '2026-12-01'), { area: 62.4, residentsCount: 3 }, 'the current period keeps the registry values');
  t.same(await dwellingFor(db, id, '2027-01-01'), { area: 64.1, residentsCount: 4 }, 'from the next period after the decision');
  const audit = await db.selectFrom('audit_log').selectAll().where('action', '=', 'dwelling-request.approved').executeTakeFirstOrThrow();
  t.equal(audit.staff_id, moderatorId);
  t.match((await messageTo(db, resident.email)).text, 'применятся с расчётного периода «январь 2027');
  t.equal((await moderator.post(`/admin/dwelling-requests/${request.id}/rejection`, { reason: 'Поздно' })).statusCode, 409, 'the first decision stands');

  const history = await agent.get(`/dwelling/${id}`);
  t.match(history.body, /resident@demo\.local, [^<]+<br><small>Временная регистрация сына до 01\.06\.2027<\/small><\/td>\s*<td[^>]*>64,1<\/td>\s*<td[^>]*>4<\/td>/, 'who asked and when');
  t.match(history.body, /Одобрено<\/span> с январь 2027[\s\S]*Сотрудник Тестовый, /, 'who decided and when');

  // A rejection needs a reason, which the resident sees.
  await agent.post(`/dwelling/${id}`, { area: '70', residentsCount: '9' });
  const second = await db.selectFrom('dwelling_changes').select('id').where('status', '=', 'pending').executeTakeFirstOrThrow();
  const noReason = await moderator.post(`/admin/dwelling-requests/${second.id}/rejection`, { reason: ' ' });
  t.equal(noReason.statusCode, 422);
  t.match(noReason.body, 'Укажите причину отказа');
  t.equal((await moderator.post(`/admin/dwelling-requests/${second.id}/rejection`, { reason: 'Нет документа о регистрации' })).statusCode, 303);
  t.match((await agent.get(`/dwelling/${id}`)).body, 'Отклонено</span>: Нет документа о регистрации');
  t.same(await dwellingFor(db, id, '2027-01-01'), { area: 64.1, residentsCount: 4 });
  // Residents may not reach the back office.
  t.equal((await agent.get('/admin/dwelling-requests')).statusCode, 303);
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
