import t from 'tap';
import { eventually, testApp } from '../../fixtures/app.js';
import { createResident, createStaff, linkApproved, residentAgent, staffAgent } from '../../fixtures/accounts.js';
import { fixedClock } from '../../../src/lib/calendar.js';
import { excessOutageHoursFor } from '../../../src/features/notices/service.js';
import type { Db } from '../../../src/db/index.js';

// Dispatchers publish, change and close notices; residents of the affected
// buildings (and only they) see them and get one email per change; the public
// finds them by address; a long closed outage leaves excess hours for the bill.
// Now is 20 November 2026, 12:00 in Moscow.

const NOW = '2026-11-20T09:00:00Z';

async function buildingId(db: Db, unom: number): Promise<number> {
  return (await db.selectFrom('buildings').select('id').where('unom', '=', unom).executeTakeFirstOrThrow()).id;
}

function deliveriesOf(db: Db, noticeId: number, version: number) {
  return db
    .selectFrom('notice_deliveries as d')
    .innerJoin('notice_versions as v', 'v.id', 'd.notice_version_id')
    .innerJoin('residents as r', 'r.id', 'd.resident_id')
    .select(['r.email', 'd.sent_at', 'd.sent_message_id'])
    .where('v.notice_id', '=', noticeId)
    .where('v.version', '=', version)
    .orderBy('r.email')
    .execute();
}

t.test('publishing, targeting, changes, the public look-up and excess hours', async (t) => {
  const clock = fixedClock(NOW);
  const { app, db, config } = await testApp(t.teardown, { seed: true, clock });
  const tverskaya10 = await buildingId(db, 1001);

  // Two residents of Тверская, 10 (one has switched notice emails off) and one of another building.
  const here = await createResident(db);
  await linkApproved(db, here.id, '7700000001');
  const optedOut = await createResident(db);
  await linkApproved(db, optedOut.id, '7700000002');
  const elsewhere = await createResident(db);
  await linkApproved(db, elsewhere.id, '7700000020');
  const optedOutPages = await residentAgent(app, db, config, optedOut.id);
  await optedOutPages.get('/profile');
  const switched = await optedOutPages.post('/profile/notice-emails', {});
  t.equal(switched.headers.location, '/profile?done=notice-emails-off');
  t.notMatch((await optedOutPages.get('/profile')).body, /id="noticeEmails" name="noticeEmails" value="yes" checked/);

  const dispatcher = await staffAgent(app, db, config, await createStaff(db, ['dispatcher']));
  await dispatcher.get('/admin/notices/new');

  const valid = {
    kind: 'emergency', resource: 'hot_water', buildings: String(tverskaya10),
    startsAt: '2026-11-20T08:00', endsAt: '2026-11-20T20:00',
    supplier: 'ПАО «МОЭК»', reason: 'Авария на теплосети', body: 'Горячей воды не будет до вечера.',
  };

  t.test('only dispatchers reach the notices', async (t) => {
    const moderator = await staffAgent(app, db, config, await createStaff(db, ['moderator']));
    t.equal((await moderator.get('/admin/notices')).statusCode, 403);
    t.equal((await moderator.get('/admin/notices/new')).statusCode, 403);
  });

  t.test('buildings are found by address or unom, with and without JavaScript', async (t) => {
    const plain = await dispatcher.post('/admin/notices/new', { ...valid, buildings: [], intent: 'search', q: 'тверская' });
    t.equal(plain.statusCode, 200);
    t.match(plain.body, /name="buildings" value="\d+">\s*<label for="found-\d+">г\. Москва, ул\. Тверская, д\. 10 \(УНОМ 1001\)/);
    t.match(plain.body, 'value="ПАО «МОЭК»"', 'what was typed stays');
    const live = await dispatcher.get('/admin/notices/buildings?q=1003', { 'hx-request': 'true', 'hx-request-type': 'partial' });
    t.match(live.body, 'Большая Дмитровка, д. 7');
    t.notMatch(live.body, '<html', 'a fragment only');
  });

  t.test('a whole street becomes its buildings', async (t) => {
    const second = await db.insertInto('buildings').values({ unom: 990001, address: 'г. Москва, ул. Тверская, д. 12' }).returning('id').executeTakeFirstOrThrow();
    const found = await dispatcher.post('/admin/notices/new', { ...valid, buildings: [], intent: 'search', q: 'Тверская' });
    t.match(found.body, 'Вся улица: ул. Тверская (2 дома)');
    const chosen = await dispatcher.post('/admin/notices/new', { ...valid, buildings: [], streets: 'г. Москва, ул. Тверская', intent: 'search', q: '' });
    t.match(chosen.body, `id="building-${tverskaya10}" name="buildings" value="${tverskaya10}" checked`);
    t.match(chosen.body, `id="building-${second.id}" name="buildings" value="${second.id}" checked`);
    await db.deleteFrom('buildings').where('id', '=', second.id).execute();
  });

  t.test('validation keeps the input and speaks Russian next to the field', async (t) => {
    const none = await dispatcher.post('/admin/notices/new', { ...valid, buildings: [], intent: 'preview' });
    t.equal(none.statusCode, 422);
    t.match(none.body, 'Выберите хотя бы один дом');
    t.match(none.body, 'Горячей воды не будет до вечера.');
    const backwards = await dispatcher.post('/admin/notices/new', { ...valid, endsAt: '2026-11-20T07:00', intent: 'preview' });
    t.match(backwards.body, 'Окончание должно быть позже начала');
    const long = { ...valid, kind: 'planned', startsAt: '2026-12-01T00:00', endsAt: '2026-12-20T00:00' };
    const unconfirmed = await dispatcher.post('/admin/notices', long);
    t.equal(unconfirmed.statusCode, 422, 'publishing checks again, whatever the preview said');
    t.match(unconfirmed.body, 'дольше 14 дней: подтвердите');
    t.match(unconfirmed.body, 'Подтверждаю плановое отключение горячей воды дольше 14 дней');
    const confirmed = await dispatcher.post('/admin/notices/new', { ...long, confirmLong: 'yes', intent: 'preview' });
    t.equal(confirmed.statusCode, 200);
    t.equal(await db.selectFrom('notices').select('id').where('starts_at', '=', new Date('2026-11-30T21:00:00Z')).executeTakeFirst(), undefined, 'a preview publishes nothing');
  });

  let noticeId = 0;
  t.test('preview, then publish: residents of the building see it and get one email each', async (t) => {
    const preview = await dispatcher.post('/admin/notices/new', { ...valid, intent: 'preview' });
    t.equal(preview.statusCode, 200);
    t.match(preview.body, 'Опубликовать');
    t.match(preview.body, 'г. Москва, ул. Тверская, д. 10');
    const published = await dispatcher.post('/admin/notices', valid);
    t.equal(published.statusCode, 303);
    noticeId = Number(/\/admin\/notices\/(\d+)\?done=published/.exec(published.headers.location as string)?.[1]);
    t.ok(noticeId > 0);
    const stored = await db.selectFrom('notices').selectAll().where('id', '=', noticeId).executeTakeFirstOrThrow();
    t.equal(stored.starts_at.toISOString(), '2026-11-20T05:00:00.000Z', 'typed in Moscow time');
    const audit = await db.selectFrom('audit_log').select(['action', 'subject_id']).where('action', '=', 'notice.published').executeTakeFirstOrThrow();
    t.equal(audit.subject_id, String(noticeId));

    const sent = await eventually(async () => {
      const rows = await deliveriesOf(db, noticeId, 1);
      return rows.length > 0 && rows.every((r) => r.sent_at) ? rows : null;
    });
    t.same(sent.map((r) => r.email), [here.email], 'only the linked resident who wants the emails');
    const message = await db.selectFrom('sent_messages').selectAll().where('id', '=', sent[0]!.sent_message_id!).executeTakeFirstOrThrow();
    t.match(message.subject, 'Аварийное отключение: горячая вода');
    t.match(message.text, 'г. Москва, ул. Тверская, д. 10');
    t.equal((await db.selectFrom('sent_messages').select('id').where('recipient', '=', elsewhere.email).execute()).length, 0);

    const herePages = await residentAgent(app, db, config, here.id);
    const home = await herePages.get('/');
    t.match(home.body, 'Отключения сейчас');
    t.match(home.body, 'Аварийное отключение: горячая вода</strong> — сегодня до 20:00');
    const list = await herePages.get('/notices');
    t.match(list.body, /Сейчас[\s\S]*Аварийное отключение: горячая вода — сегодня до 20:00[\s\S]*Предстоят/);

    const elsewherePages = await residentAgent(app, db, config, elsewhere.id);
    t.notMatch((await elsewherePages.get('/')).body, 'Отключения сейчас');
    t.notMatch((await elsewherePages.get('/notices')).body, 'горячая вода');

    const unlinked = await residentAgent(app, db, config, (await createResident(db)).id);
    t.match((await unlinked.get('/notices')).body, 'когда вы подключите лицевой счёт');

    const dispatcherHome = await dispatcher.get('/admin');
    t.match(dispatcherHome.body, /Объявления: действуют сейчас[\s\S]*Аварийное отключение: горячая вода/);
  });

  t.test('the public finds it by address, without signing in, and in the Atom feed', async (t) => {
    const search = await app.inject({ url: '/outages?address=' + encodeURIComponent('Тверская, д. 10') });
    t.equal(search.statusCode, 200);
    t.match(search.body, 'href="/outages/1001"');
    const partial = await app.inject({ url: '/outages?address=1001', headers: { 'hx-request': 'true', 'hx-request-type': 'partial' } });
    t.notMatch(partial.body, '<html');
    const page = await app.inject({ url: '/outages/1001' });
    t.match(page.body, 'Аварийное отключение: горячая вода — сегодня до 20:00');
    t.notMatch((await app.inject({ url: '/outages/1003' })).body, 'Аварийное отключение');
    const feed = await app.inject({ url: '/outages/1001/feed.atom' });
    t.match(feed.headers['content-type'], 'application/atom+xml');
    t.match(feed.body, `<id>http://localhost:3000/outages/1001#notice-${noticeId}-v1</id>`);
    t.equal((await app.inject({ url: '/outages/999999' })).statusCode, 404);
  });

  t.test('extending emails again; a closed notice cannot change', async (t) => {
    await dispatcher.get(`/admin/notices/${noticeId}`);
    const early = await dispatcher.post(`/admin/notices/${noticeId}/extension`, { endsAt: '2026-11-20T19:00' });
    t.equal(early.statusCode, 422);
    t.match(early.body, 'Новое окончание должно быть позже прежнего');
    const later = await dispatcher.post(`/admin/notices/${noticeId}/extension`, { endsAt: '2026-11-21T02:00' });
    t.equal(later.headers.location, `/admin/notices/${noticeId}?done=extended`);
    const sent = await eventually(async () => {
      const rows = await deliveriesOf(db, noticeId, 2);
      return rows.length > 0 && rows.every((r) => r.sent_at) ? rows : null;
    });
    t.same(sent.map((r) => r.email), [here.email]);
  });

  t.test('closing with the actual end records the excess hours for the bill', async (t) => {
    const future = await dispatcher.post(`/admin/notices/${noticeId}/closure`, { actualEndAt: '2026-11-20T13:00' });
    t.match(future.body, 'Фактическое окончание не может быть в будущем');
    // Hot water off from 08:00 to 12:00: 4 hours at once and in the month are allowed.
    const closed = await dispatcher.post(`/admin/notices/${noticeId}/closure`, { actualEndAt: '2026-11-20T12:00' });
    t.equal(closed.headers.location, `/admin/notices/${noticeId}?done=closed`);
    t.same(await excessOutageHoursFor(db, '2026-11-01').then((rows) => rows.filter((r) => r.noticeId === noticeId)), [], '4 hours at once are allowed');

    // An emergency from 19 November 10:00 to 20 November 02:00 (16 hours): 12 hours past the
    // single 4; the month's total, 20 hours, is 12 past 8 too. Hand-computed: 12 hours.
    const night = await dispatcher.post('/admin/notices', { ...valid, startsAt: '2026-11-19T10:00', endsAt: '' });
    const nightId = Number(/\/admin\/notices\/(\d+)/.exec(night.headers.location as string)?.[1]);
    await dispatcher.post(`/admin/notices/${nightId}/closure`, { actualEndAt: '2026-11-20T02:00' });
    const rows = (await excessOutageHoursFor(db, '2026-11-01')).filter((r) => r.noticeId === nightId);
    const accounts = await db
      .selectFrom('payer_accounts as pa')
      .innerJoin('premises as p', 'p.id', 'pa.premises_id')
      .select('pa.id')
      .where('p.building_id', '=', tverskaya10)
      .orderBy('pa.id')
      .execute();
    t.same(rows.map((r) => r.payerAccountId), accounts.map((a) => a.id), 'every account of the building');
    t.same(rows.map((r) => [r.service, r.period, r.excessHours]), accounts.map(() => ['hot_water', '2026-11-01', 12]));
    t.match(rows[0]!.reason, `объявление № ${nightId}`);
    t.equal((await dispatcher.post(`/admin/notices/${nightId}/extension`, { endsAt: '2026-11-22T00:00' })).statusCode, 409);
    t.ok(await db.selectFrom('audit_log').select('id').where('action', '=', 'notice.closed').where('subject_id', '=', String(nightId)).executeTakeFirst());
  });

  t.test('editing and withdrawing (with a reason) tell the residents', async (t) => {
    const upcoming = await dispatcher.post('/admin/notices', { ...valid, kind: 'planned', resource: 'cold_water', startsAt: '2026-11-25T09:00', endsAt: '2026-11-25T13:00' });
    const id = Number(/\/admin\/notices\/(\d+)/.exec(upcoming.headers.location as string)?.[1]);
    t.match((await residentAgent(app, db, config, here.id).then((a) => a.get('/notices'))).body, /Предстоят[\s\S]*Плановое отключение: холодная вода — 25 ноября с 09:00 до 13:00/);
    const edit = await dispatcher.get(`/admin/notices/${id}/edit`);
    t.match(edit.body, 'value="2026-11-25T09:00"', 'the form shows Moscow time');
    const invalid = await dispatcher.post(`/admin/notices/${id}`, { ...valid, kind: 'planned', resource: 'cold_water', startsAt: '2026-11-25T09:00', endsAt: '' });
    t.equal(invalid.statusCode, 422);
    const edited = await dispatcher.post(`/admin/notices/${id}`, { ...valid, kind: 'planned', resource: 'cold_water', startsAt: '2026-11-25T10:00', endsAt: '2026-11-25T13:00' });
    t.equal(edited.headers.location, `/admin/notices/${id}?done=updated`);
    const editMail = await eventually(async () => {
      const rows = await deliveriesOf(db, id, 2);
      return rows.length > 0 && rows.every((r) => r.sent_at) ? rows : null;
    });
    t.same(editMail.map((r) => r.email), [here.email]);
    await dispatcher.get(`/admin/notices/${id}/withdrawal`);
    const empty = await dispatcher.post(`/admin/notices/${id}/withdrawal`, { reason: ' ' });
    t.equal(empty.statusCode, 422);
    t.match(empty.body, 'Укажите причину отзыва');
    const done = await dispatcher.post(`/admin/notices/${id}/withdrawal`, { reason: 'Работы перенесены на декабрь' });
    t.equal(done.headers.location, `/admin/notices/${id}?done=withdrawn`);
    const sent = await eventually(async () => {
      const rows = await deliveriesOf(db, id, 3);
      return rows.length > 0 && rows.every((r) => r.sent_at) ? rows : null;
    });
    const message = await db.selectFrom('sent_messages').selectAll().where('id', '=', sent[0]!.sent_message_id!).executeTakeFirstOrThrow();
    t.match(message.subject, 'Объявление отменено');
    const audited = await db.selectFrom('audit_log').select('action').where('subject_type', '=', 'notice').where('subject_id', '=', String(id)).orderBy('id').execute();
    t.same(audited.map((a) => a.action), ['notice.published', 'notice.updated', 'notice.withdrawn']);
    t.equal((await dispatcher.post(`/admin/notices/${id}`, valid)).statusCode, 409, 'a withdrawn notice cannot be edited');
    t.match(message.text, 'Работы перенесены на декабрь');
    const list = (await residentAgent(app, db, config, here.id).then((a) => a.get('/notices'))).body;
    t.match(list, /<details>[\s\S]*Отменено<\/span> Работы перенесены на декабрь/);
  });
});

t.test('a notice from Moscow midnight to midnight reads as today until 24:00', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, redis: false, env: { APP_TODAY: '2026-06-03' }, clock: fixedClock('2026-06-03T10:00:00Z') });
  const resident = await createResident(db);
  await linkApproved(db, resident.id, '7700000003');
  const dispatcher = await staffAgent(app, db, config, await createStaff(db, ['dispatcher']));
  await dispatcher.get('/admin/notices/new');
  const tverskaya10 = await buildingId(db, 1001);
  const base = { buildings: String(tverskaya10), supplier: 'ПАО «Россети Московский регион»', reason: 'Ремонт кабеля', body: 'Света не будет.' };
  await dispatcher.post('/admin/notices', { ...base, kind: 'repair', resource: 'electricity', startsAt: '2026-06-03T00:00', endsAt: '2026-06-04T00:00' });
  await dispatcher.post('/admin/notices', { ...base, kind: 'emergency', resource: 'gas', startsAt: '2026-06-03T09:30', endsAt: '' });
  await dispatcher.post('/admin/notices', { ...base, kind: 'planned', resource: 'heating', startsAt: '2026-06-02T00:00', endsAt: '2026-06-03T00:00' });
  const home = (await residentAgent(app, db, config, resident.id).then((a) => a.get('/'))).body;
  t.match(home, 'Ремонт: электроэнергия</strong> — сегодня до 24:00');
  t.match(home, 'Аварийное отключение: газ</strong> — с 09:30 сегодня до устранения аварии');
  t.notMatch(home, 'отопление', 'a notice that ended at this midnight is past');
});

t.test('demo data: a notice on now for the demo resident, and a long emergency that lowers the bill', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, redis: false, clock: fixedClock('2026-06-03T10:00:00Z') });
  const demo = await db.selectFrom('residents').select('id').where('email', '=', 'resident@demo.local').executeTakeFirstOrThrow();
  const pages = await residentAgent(app, db, config, demo.id);
  t.match((await pages.get('/')).body, 'Ремонт: холодная вода</strong> — с 2 по 5 июня');
  const list = (await pages.get('/notices')).body;
  t.match(list, /Предстоят[\s\S]*Плановое отключение: электроэнергия — 10 июня с 10:00 до 12:00/);
  t.match(list, /<details>[\s\S]*Аварийное отключение: горячая вода[\s\S]*Завершено/);
  // 24 hours without hot water from 22 May 06:00: 20 hours past the single 4.
  const excess = await excessOutageHoursFor(db, '2026-05-01');
  const accounts = await db
    .selectFrom('payer_accounts as pa')
    .innerJoin('premises as p', 'p.id', 'pa.premises_id')
    .innerJoin('buildings as b', 'b.id', 'p.building_id')
    .select('pa.id')
    .where('b.unom', '=', 1002)
    .orderBy('pa.id')
    .execute();
  t.same(excess.map((e) => [e.payerAccountId, e.service, e.excessHours]), accounts.map((a) => [a.id, 'hot_water', 20]));

  // The May bill of each of those accounts is lowered by 0.15 % per hour: 20 hours are 3 % of
  // the month's hot-water charge, e.g. 1 234,56 ₽ charged → 37,04 ₽ off (3 703,68 kopecks, rounded).
  const lines = await db
    .selectFrom('bills as b')
    .innerJoin('bill_lines as l', 'l.bill_id', 'b.id')
    .select(['b.payer_account_id', 'l.charged_kopecks', 'l.recalculation_kopecks', 'l.recalculation_reason'])
    .where('b.period', '=', '2026-05-01')
    .where('l.service', '=', 'hot_water')
    .where('b.payer_account_id', 'in', accounts.map((a) => a.id))
    .orderBy('b.payer_account_id')
    .execute();
  t.ok(lines.length > 0, 'the demo accounts of the building have May bills');
  for (const line of lines) {
    t.equal(Number(line.recalculation_kopecks), -Math.round((Number(line.charged_kopecks) * 20 * 0.15) / 100));
    t.match(line.recalculation_reason, /Перерыв сверх допустимого: аварийное отключение \(горячая вода\), объявление № \d+, 20 ч/);
  }
  const pending = await db.selectFrom('pending_recalculations').select('id').where('applied_bill_id', 'is', null).where('source_key', 'like', 'notice:%').execute();
  t.same(pending, [], 'every outage recalculation was applied once');
});
