import t from 'tap';
import { testApp } from '../../fixtures/app.js';
import { createResident, demoResident, linkApproved, residentAgent } from '../../fixtures/accounts.js';
import { DEMO_PROVIDER } from '../../../src/features/accounts/seed.js';
import { accountTask, identityTask, readingsTask } from '../../../src/features/first-run/tasks.js';
import { windowDates, type WindowRule } from '../../../src/features/readings/rules.js';

t.test('each step has one status and at most one next action', async (t) => {
  t.match(identityTask('none'), { status: 'not-started', action: { href: '/identity', label: 'Загрузить документы' } });
  t.match(identityTask('rejected'), { status: 'not-started', action: { label: 'Загрузить документы снова' } });
  t.match(identityTask('pending'), { status: 'in-review', action: null });
  t.match(identityTask('confirmed'), { status: 'done', action: null });
  t.match(accountTask('none', 0, []), { status: 'not-started', action: null, note: /после подтверждения личности/ }, 'no link offered before it can work');
  t.match(accountTask('confirmed', 0, []), { status: 'not-started', action: { href: '/services/utilities/new', label: 'Подключить' } });
  t.match(accountTask('confirmed', 0, [{ id: 1, payerCode: '7700000001', flat: '1' }]), { status: 'in-review', action: null });
  t.match(accountTask('confirmed', 1, []), { status: 'done' });
  const open = { name: 'воды', open: true, opensOn: '2026-11-15', closesOn: '2026-12-03' };
  t.match(readingsTask(0, false, open), { status: 'not-started', action: null });
  t.match(readingsTask(1, false, open), { status: 'not-started', action: { href: '/readings', label: 'Передать показания' }, note: 'Приём показаний воды открыт до 03.12.2026.' });
  t.match(readingsTask(1, false, { ...open, open: false }), { note: 'Приём показаний воды откроется 15.11.2026.' });
  t.match(readingsTask(1, true, open), { status: 'done' });
});

const W: WindowRule[] = [
  { resource: 'cold_water', validFrom: '2020-01-01', opensDay: 15, closesDay: 3, closesNextMonth: true },
  { resource: 'electricity', validFrom: '2020-01-01', opensDay: 15, closesDay: 26, closesNextMonth: false },
];

t.test('the window dates for the home card: the open window, or the next one', async (t) => {
  t.same(windowDates(W, 'cold_water', '2026-11-20'), { open: true, opensOn: '2026-11-15', closesOn: '2026-12-03' });
  t.same(windowDates(W, 'cold_water', '2026-12-02'), { open: true, opensOn: '2026-11-15', closesOn: '2026-12-03' });
  t.same(windowDates(W, 'cold_water', '2026-12-04'), { open: false, opensOn: '2026-12-15', closesOn: '2027-01-03' });
  t.same(windowDates(W, 'electricity', '2026-11-27'), { open: false, opensOn: '2026-12-15', closesOn: '2026-12-26' });
});

t.test('«Главная» walks a new resident through the three steps', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, redis: false, env: { APP_TODAY: '2026-11-20' } });
  const provider = await db.selectFrom('providers').select('id').where('name', '=', DEMO_PROVIDER).executeTakeFirstOrThrow();
  const resident = await createResident(db, { identityStatus: 'none' });
  const agent = await residentAgent(app, db, config, resident.id);
  const step = (body: string, title: string) => new RegExp(`<h3>${title} <span class="tag[^"]*">([^<]+)</span></h3>`).exec(body)?.[1];

  let home = (await agent.get('/')).body;
  t.match(home, 'С чего начать');
  t.same([step(home, 'Подтверждение личности'), step(home, 'Лицевой счёт'), step(home, 'Показания')], ['Не начато', 'Не начато', 'Не начато']);
  t.match(home, '<a class="button" href="/identity">Загрузить документы</a>');
  t.notMatch(home, '<a class="button" href="/services/utilities/new">Подключить</a>', 'linking is not offered before it can work');
  for (const promise of ['Оплатить', 'Автоплатёж']) t.notMatch(home, promise, `nothing promises «${promise}»`);

  await db.updateTable('residents').set({ identity_status: 'pending' }).where('id', '=', resident.id).execute();
  home = (await agent.get('/')).body;
  t.equal(step(home, 'Подтверждение личности'), 'На проверке');

  await db.updateTable('residents').set({ identity_status: 'confirmed' }).where('id', '=', resident.id).execute();
  home = (await agent.get('/')).body;
  t.equal(step(home, 'Подтверждение личности'), 'Готово');
  t.match(home, '<a class="button" href="/services/utilities/new">Подключить</a>');

  await agent.get('/services/utilities/new');
  t.equal((await agent.post('/services/utilities/new', { payerCode: '7700000001', providerId: String(provider.id), flat: '1', consent: 'yes' })).statusCode, 303);
  home = (await agent.get('/')).body;
  t.equal(step(home, 'Лицевой счёт'), 'На проверке');
  t.match(home, 'Заявка на лицевой счёт 7700000001, кв. 1 — На рассмотрении');

  await db.deleteFrom('account_links').where('resident_id', '=', resident.id).execute();
  await linkApproved(db, resident.id, '7700000002');
  home = (await agent.get('/')).body;
  t.equal(step(home, 'Лицевой счёт'), 'Готово');
  t.equal(step(home, 'Показания'), 'Не начато');
  t.match(home, 'Приём показаний воды открыт до 03.12.2026.');
  t.match(home, '<a class="button" href="/readings">Передать показания</a>');
  t.match(home, 'Показания воды: принимаются с 15.11.2026 по 03.12.2026.', 'the card shows the window');
  t.match(home, 'Показания электроэнергии: принимаются с 15.11.2026 по 26.11.2026.');

  // A resident who is set up sees no list.
  const demo = await residentAgent(app, db, config, (await demoResident(db)).id);
  t.notMatch((await demo.get('/')).body, 'С чего начать');
});
