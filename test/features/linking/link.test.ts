import t from 'tap';
import { Agent, testApp } from '../../fixtures/app.js';
import { createResident, residentAgent } from '../../fixtures/accounts.js';
import { DEMO_PROVIDER } from '../../../src/features/accounts/seed.js';

t.test('connecting «Оплата ЖКХ»', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, redis: false });
  const provider = await db.selectFrom('providers').select('id').where('name', '=', DEMO_PROVIDER).executeTakeFirstOrThrow();

  t.test('anonymous visitors are sent to sign in', async (t) => {
    const response = await new Agent(app).get('/services/utilities/new');
    t.equal(response.statusCode, 303);
    t.match(response.headers.location, /^\/login\?next=/);
  });

  t.test('a resident without a confirmed identity is told why and linked to verification', async (t) => {
    for (const identityStatus of ['none', 'pending', 'rejected'] as const) {
      const resident = await createResident(db, { identityStatus });
      const agent = await residentAgent(app, db, config, resident.id);
      const page = await agent.get('/services/utilities/new');
      t.equal(page.statusCode, 200);
      t.match(page.body, 'Подключить лицевой счёт может только пользователь с подтверждённой личностью');
      t.match(page.body, '<a href="/identity">Подтверждение личности</a>');
      t.notMatch(page.body, 'name="payerCode"');
      const post = await agent.post('/services/utilities/new', { payerCode: '7700000001', providerId: String(provider.id), flat: '1', consent: 'yes' });
      t.equal(post.statusCode, 403);
      const count = await db.selectFrom('account_links').select((eb) => eb.fn.countAll<number>().as('n')).where('resident_id', '=', resident.id).executeTakeFirstOrThrow();
      t.equal(Number(count.n), 0);
    }
  });

  t.test('a confirmed resident files a request; it shows «На рассмотрении»', async (t) => {
    const resident = await createResident(db);
    const agent = await residentAgent(app, db, config, resident.id);
    const form = await agent.get('/services/utilities/new');
    for (const label of ['Номер лицевого счёта', 'Организация', 'Номер квартиры', 'Я согласен с условиями подключения услуги']) {
      t.match(form.body, `>${label}</label>`);
    }
    t.match(form.body, '>Подключить</button>');

    const invalid = await agent.post('/services/utilities/new', { payerCode: '77 0000 001', providerId: '', flat: '', consent: '' });
    t.equal(invalid.statusCode, 422);
    t.match(invalid.body, 'Номер лицевого счёта — 10 цифр');
    t.match(invalid.body, 'Выберите организацию');
    t.match(invalid.body, 'Введите номер квартиры');
    t.match(invalid.body, 'Подтвердите согласие');
    t.match(invalid.body, 'value="77 0000 001"', 'input kept');

    const sent = await agent.post('/services/utilities/new', { payerCode: '77-0000-0001', providerId: String(provider.id), flat: '1', consent: 'yes' });
    t.equal(sent.statusCode, 303);
    t.equal(sent.headers.location, '/services?sent=1');
    const link = await db.selectFrom('account_links').selectAll().where('resident_id', '=', resident.id).executeTakeFirstOrThrow();
    t.equal(link.requested_payer_code, '7700000001', 'spaces and dashes removed');
    t.equal(link.status, 'pending');
    t.ok(link.consented_at instanceof Date, 'consent time recorded');
    t.equal(link.payer_account_id, null, 'no access before approval');

    const list = await agent.get('/services?sent=1');
    t.match(list.body, 'Заявка на подключение отправлена');
    t.match(list.body, '7700000001');
    t.match(list.body, 'На рассмотрении');

    const twice = await agent.post('/services/utilities/new', { payerCode: '7700000001', providerId: String(provider.id), flat: '1', consent: 'yes' });
    t.equal(twice.statusCode, 422);
    t.match(twice.body, 'уже подключён или заявка на его подключение на рассмотрении');

    // Several flats may be linked.
    const second = await agent.post('/services/utilities/new', { payerCode: '7700000003', providerId: String(provider.id), flat: '3', consent: 'yes' });
    t.equal(second.statusCode, 303);
    const links = await db.selectFrom('account_links').select('requested_payer_code').where('resident_id', '=', resident.id).execute();
    t.equal(links.length, 2);
  });

  t.test('after a rejection the resident may ask again', async (t) => {
    const resident = await createResident(db);
    const agent = await residentAgent(app, db, config, resident.id);
    await agent.get('/services/utilities/new');
    await agent.post('/services/utilities/new', { payerCode: '7700000002', providerId: String(provider.id), flat: '2', consent: 'yes' });
    await db.updateTable('account_links').set({ status: 'rejected', reason: 'Номер квартиры не совпадает' }).where('resident_id', '=', resident.id).execute();
    const list = await agent.get('/services');
    t.match(list.body, 'Отклонена');
    t.match(list.body, 'Причина: Номер квартиры не совпадает');
    const again = await agent.post('/services/utilities/new', { payerCode: '7700000002', providerId: String(provider.id), flat: '2', consent: 'yes' });
    t.equal(again.statusCode, 303);
  });
});
