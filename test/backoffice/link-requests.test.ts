import t from 'tap';
import { messageTo, testApp } from '../fixtures/app.js';
import { createResident, createStaff, residentAgent, staffAgent } from '../fixtures/accounts.js';
import { DEMO_PROVIDER } from '../../src/features/accounts/seed.js';
import { countLinkRequestsAwaiting } from '../../src/backoffice/link-requests/service.js';

t.test('moderators approve or reject link requests against the registry', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true });
  const provider = await db.selectFrom('providers').select('id').where('name', '=', DEMO_PROVIDER).executeTakeFirstOrThrow();
  const resident = await createResident(db);
  const residentPages = await residentAgent(app, db, config, resident.id);
  await residentPages.get('/services/utilities/new');
  const ask = (payerCode: string, flat: string) =>
    residentPages.post('/services/utilities/new', { payerCode, providerId: String(provider.id), flat, consent: 'yes' });
  await ask('7700000001', 'кв. 1');
  // The form refuses a code or flat the registry does not know; requests filed before
  // that check (or by hand) still reach the moderator with a clear mismatch.
  const fileDirectly = (payerCode: string, flat: string) =>
    db.insertInto('account_links').values({ resident_id: resident.id, requested_payer_code: payerCode, requested_provider_id: provider.id, requested_flat: flat, consented_at: new Date() }).execute();
  await fileDirectly('7700000002', '5');
  await fileDirectly('1234567890', '1');
  const ids = Object.fromEntries(
    (await db.selectFrom('account_links').select(['id', 'requested_payer_code']).where('resident_id', '=', resident.id).execute()).map((r) => [r.requested_payer_code, r.id]),
  );
  t.equal(await countLinkRequestsAwaiting(db), 3);

  const moderatorId = await createStaff(db, ['moderator']);
  const moderator = await staffAgent(app, db, config, moderatorId);

  t.test('other staff roles may not decide', async (t) => {
    const dispatcher = await staffAgent(app, db, config, await createStaff(db, ['dispatcher']));
    t.equal((await dispatcher.get('/admin/link-requests')).statusCode, 403);
    const csrfPage = await dispatcher.get('/admin/link-requests');
    t.equal(csrfPage.statusCode, 403);
    t.equal((await dispatcher.post(`/admin/link-requests/${ids['7700000001']}/approval`)).statusCode, 403);
    const resident = await db.selectFrom('account_links').select('status').where('id', '=', ids['7700000001']!).executeTakeFirstOrThrow();
    t.equal(resident.status, 'pending');
  });

  t.test('the queue shows each request beside the registry entry or a clear mismatch', async (t) => {
    const queue = await moderator.get('/admin/link-requests');
    t.equal(queue.statusCode, 200);
    t.match(queue.body, 'Заявки на подключение');
    t.match(queue.body, 'г. Москва, ул. Тверская, д. 10, кв. 1');
    t.match(queue.body, 'Лицевой счёт не найден');
    t.match(queue.body, 'Номер квартиры не совпадает');
    const mismatch = await moderator.get(`/admin/link-requests/${ids['7700000002']}`);
    t.notMatch(mismatch.body, '>Одобрить</button>', 'no approval for a mismatch');
    t.match(mismatch.body, '>Причина отказа</label>');
  });

  t.test('approval links the account, is audited, emails the resident, and stands', async (t) => {
    await moderator.get(`/admin/link-requests/${ids['7700000001']}`);
    const approved = await moderator.post(`/admin/link-requests/${ids['7700000001']}/approval`);
    t.equal(approved.statusCode, 303);
    t.equal(approved.headers.location, '/admin/link-requests?done=approved');
    t.match((await moderator.get(String(approved.headers.location))).body, /role="status">Заявка одобрена: лицевой счёт подключён/);
    const link = await db.selectFrom('account_links').selectAll().where('id', '=', ids['7700000001']!).executeTakeFirstOrThrow();
    t.equal(link.status, 'approved');
    t.equal(link.decided_by, moderatorId);
    const account = await db.selectFrom('payer_accounts').select('id').where('payer_code', '=', '7700000001').executeTakeFirstOrThrow();
    t.equal(link.payer_account_id, account.id);
    const audit = await db.selectFrom('audit_log').selectAll().where('subject_type', '=', 'account_link').where('subject_id', '=', String(link.id)).where('action', '<>', 'link-request.viewed').execute();
    t.equal(audit.length, 1);
    t.equal(audit[0]!.action, 'link-request.approved');
    t.equal(audit[0]!.staff_id, moderatorId);
    const email = await messageTo(db, resident.email);
    t.match(email.subject, 'Лицевой счёт подключён');
    t.match(email.text, '7700000001');
    t.match((await residentPages.get('/services')).body, 'Подключена');

    // The first decision stands.
    const late = await moderator.post(`/admin/link-requests/${ids['7700000001']}/rejection`, { reason: 'Передумал' });
    t.equal(late.statusCode, 409);
    t.match(late.body, 'уже принято решение');
    t.equal((await db.selectFrom('account_links').select('status').where('id', '=', link.id).executeTakeFirstOrThrow()).status, 'approved');
  });

  t.test('a mismatch cannot be approved; rejection needs a reason, which the resident sees', async (t) => {
    const id = ids['7700000002']!;
    const refused = await moderator.post(`/admin/link-requests/${id}/approval`);
    t.equal(refused.statusCode, 422);
    t.equal((await db.selectFrom('account_links').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status, 'pending');

    const noReason = await moderator.post(`/admin/link-requests/${id}/rejection`, { reason: '  ' });
    t.equal(noReason.statusCode, 422);
    t.match(noReason.body, 'Укажите причину отказа');

    const before = (await db.selectFrom('sent_messages').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst())?.id ?? 0;
    const rejected = await moderator.post(`/admin/link-requests/${id}/rejection`, { reason: 'Номер квартиры не совпадает с лицевым счётом' });
    t.equal(rejected.statusCode, 303);
    t.match((await moderator.get(String(rejected.headers.location))).body, /role="status">Заявка отклонена/);
    const row = await db.selectFrom('account_links').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    t.equal(row.status, 'rejected');
    t.equal(row.payer_account_id, null);
    t.equal(row.reason, 'Номер квартиры не совпадает с лицевым счётом');
    const email = await messageTo(db, resident.email, Number(before));
    t.match(email.text, 'Причина: Номер квартиры не совпадает с лицевым счётом');
    const list = await residentPages.get('/services');
    t.match(list.body, 'Отклонена');
    const audit = await db.selectFrom('audit_log').select('action').where('subject_id', '=', String(id)).where('action', '<>', 'link-request.viewed').execute();
    t.same(audit.map((a) => a.action), ['link-request.rejected']);
    t.equal(await countLinkRequestsAwaiting(db), 1);
  });

  t.test('two decisions at once: exactly one wins', async (t) => {
    const id = ids['1234567890']!;
    const [a, b] = await Promise.all([
      moderator.post(`/admin/link-requests/${id}/rejection`, { reason: 'Лицевой счёт не найден' }),
      moderator.post(`/admin/link-requests/${id}/rejection`, { reason: 'Другая причина' }),
    ]);
    t.same([a.statusCode, b.statusCode].sort(), [303, 409]);
    const audit = await db.selectFrom('audit_log').select('action').where('subject_type', '=', 'account_link').where('subject_id', '=', String(id)).where('action', '<>', 'link-request.viewed').execute();
    t.equal(audit.length, 1);
  });
});

t.test('the queue pages oldest first, twenty at a time; decided requests newest first', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true });
  const provider = await db.selectFrom('providers').select('id').where('name', '=', DEMO_PROVIDER).executeTakeFirstOrThrow();
  const resident = await createResident(db);
  // 25 requests a minute apart, inserted newest first so that neither id nor insertion order gives the answer.
  const start = Date.UTC(2026, 10, 1, 9, 0);
  const filed = Array.from({ length: 25 }, (_, i) => ({
    resident_id: resident.id,
    requested_payer_code: String(7700100000 + i),
    requested_provider_id: provider.id,
    requested_flat: String(i + 1),
    consented_at: new Date(start + i * 60_000),
    created_at: new Date(start + i * 60_000),
  })).reverse();
  await db.insertInto('account_links').values(filed).execute();
  const codesOf = (body: string) => [...body.matchAll(/77001000(\d\d)/g)].map((m) => Number(m[1]));
  const unique = (codes: number[]) => [...new Set(codes)];

  const moderator = await staffAgent(app, db, config, await createStaff(db, ['moderator']));
  const first = await moderator.get('/admin/link-requests');
  t.same(unique(codesOf(first.body)), Array.from({ length: 20 }, (_, i) => i), 'the twenty oldest, oldest first');
  t.match(first.body, 'page=2">Дальше →</a>');
  t.notMatch(first.body, '← Назад');
  const second = await moderator.get('/admin/link-requests?status=pending&page=2');
  t.same(unique(codesOf(second.body)), [20, 21, 22, 23, 24]);
  t.notMatch(second.body, 'Дальше →');
  t.match(second.body, '← Назад');
  const beyond = await moderator.get('/admin/link-requests?status=pending&page=9');
  t.equal(beyond.statusCode, 200);
  t.same(codesOf(beyond.body), []);

  // Rejected ones read newest first.
  await db.updateTable('account_links').set({ status: 'rejected', reason: 'Проверка порядка', decided_at: new Date() }).where('requested_payer_code', 'in', ['7700100003', '7700100010', '7700100007']).execute();
  const rejected = await moderator.get('/admin/link-requests?status=rejected');
  t.same(unique(codesOf(rejected.body)), [10, 7, 3]);
});
