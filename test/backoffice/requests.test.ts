import t from 'tap';
import { sampleScanPng } from '../../src/features/identity/sample-scan.js';
import { overdueRequestsJob } from '../../src/features/requests/jobs.js';
import { markOverdueRequests } from '../../src/features/requests/service.js';
import { jobDefinitions } from '../../src/jobs/registry.js';
import { eventually, testApp, type Agent } from '../fixtures/app.js';
import { demoResident, residentAgent, staffAgent } from '../fixtures/accounts.js';
import { multipartBody, staffId } from '../fixtures/identity.js';
import type { Db } from '../../src/db/index.js';
import type { RequestKind } from '../../src/features/requests/tables.js';

// The dispatcher's queue: by deadline with the overdue first, filters, taking a
// request with a crew, finishing it with the result, notices, and what the
// resident is told (once per change). The demo data has four requests of the demo resident.

async function requestOf(db: Db, kind: RequestKind) {
  return db.selectFrom('service_requests').selectAll().where('kind', '=', kind).orderBy('id').executeTakeFirstOrThrow();
}

/** Every message to the recipient once the outbox is empty. */
async function messagesTo(db: Db, recipient: string) {
  await eventually(async () => (await db.selectFrom('outbox').select('id').where('status', 'in', ['pending', 'dispatched']).execute()).length === 0);
  return db.selectFrom('sent_messages').select(['channel', 'subject', 'text']).where('recipient', '=', recipient).orderBy('id').execute();
}

async function postStatus(agent: Agent, id: number, fields: Record<string, string>, files: { filename: string; content: Buffer }[] = []) {
  const { body, contentType } = multipartBody([
    { name: '_csrf', value: agent.csrfToken },
    ...Object.entries(fields).map(([name, value]) => ({ name, value })),
    ...files.map((f) => ({ name: 'photos', ...f })),
  ]);
  return agent.send('POST', `/admin/requests/${id}/status`, body, contentType);
}

async function setUp(t: { teardown: (fn: () => unknown) => void }) {
  const app = await testApp(t.teardown, { seed: true, redis: false });
  const dispatcher = await staffAgent(app.app, app.db, app.config, await staffId(app.db, 'dispatcher@demo.local'));
  await dispatcher.get('/admin/requests');
  return { ...app, dispatcher, resident: await demoResident(app.db) };
}

t.test('the queue: open requests by deadline, the overdue one first with how late it is; filters and pages', async (t) => {
  const { db, dispatcher } = await setUp(t);
  const page = await dispatcher.get('/admin/requests');
  t.equal(page.statusCode, 200);
  t.match(page.body, '<a href="/admin/requests" aria-current="page">Заявки</a>');
  const order = [...page.body.matchAll(/<a href="\/admin\/requests\/(\d+)">/g)].map((m) => Number(m[1]));
  const leak = await requestOf(db, 'leak');
  const lift = await requestOf(db, 'lift');
  const lighting = await requestOf(db, 'lighting');
  t.same(order, [leak.id, lift.id, lighting.id], 'open only, earliest deadline first; the done clog is not in the default view');
  t.match(page.body, /class="row--overdue"[\s\S]*просрочена на/);
  t.match(page.body, /осталось \d+/);

  const lifts = await dispatcher.get('/admin/requests?kind=lift&status=all');
  t.same([...lifts.body.matchAll(/<a href="\/admin\/requests\/(\d+)">/g)].map((m) => Number(m[1])), [lift.id]);
  const done = await dispatcher.get('/admin/requests?status=done');
  t.match(done.body, 'Засор');
  t.notMatch(done.body, '<td>Протечка');
  const overdue = await dispatcher.get('/admin/requests?status=open&overdue=yes');
  t.same([...overdue.body.matchAll(/<a href="\/admin\/requests\/(\d+)">/g)].map((m) => Number(m[1])), [leak.id]);
  const elsewhere = await dispatcher.get('/admin/requests?building=999999&status=all');
  t.match(elsewhere.body, 'Заявок с такими условиями нет.');
  const fragment = await dispatcher.get('/admin/requests?status=all', { 'HX-Request': 'true', 'HX-Request-Type': 'partial' });
  t.match(fragment.body, /^<section id="queue"/, 'htmx gets the queue alone');

  // 30 more open requests: 25 a page, the filters kept in the page links.
  await db
    .insertInto('service_requests')
    .values(Array.from({ length: 30 }, (_, i) => ({ ...leak, id: undefined, overdue_at: null, deadline_at: new Date(leak.deadline_at.getTime() + (i + 1) * 60_000) })))
    .execute();
  const first = await dispatcher.get('/admin/requests?kind=leak');
  t.match(first.body, 'Страница 1 из 2');
  t.match(first.body, 'href="/admin/requests?kind=leak&amp;status=open&page=2"');
  const second = await dispatcher.get('/admin/requests?kind=leak&status=open&page=2');
  t.equal([...second.body.matchAll(/<a href="\/admin\/requests\/(\d+)">/g)].length, 6);
});

t.test('take with a crew, finish with the result: audited, the resident told once per change (SMS for an emergency)', async (t) => {
  const { app, db, config, dispatcher, resident } = await setUp(t);
  const leak = await requestOf(db, 'leak');
  await db.updateTable('service_requests').set({ sms_updates: true }).where('id', '=', leak.id).execute();
  await dispatcher.get(`/admin/requests/${leak.id}`);

  const noCrew = await dispatcher.post(`/admin/requests/${leak.id}/assignment`, { crew: ' ' });
  t.equal(noCrew.statusCode, 422);
  t.match(noCrew.body, /id="crew-error"><span class="visually-hidden">Ошибка:<\/span> Укажите бригаду/);
  const taken = await dispatcher.post(`/admin/requests/${leak.id}/assignment`, { crew: 'Сантехники, участок 3' });
  t.equal(taken.statusCode, 303);
  t.equal(taken.headers.location, `/admin/requests/${leak.id}?done=taken`);
  const again = await dispatcher.post(`/admin/requests/${leak.id}/assignment`, { crew: 'Аварийная бригада № 2' });
  t.equal(again.headers.location, `/admin/requests/${leak.id}?done=crew`, 'a second time changes the crew');
  let row = await db.selectFrom('service_requests').selectAll().where('id', '=', leak.id).executeTakeFirstOrThrow();
  t.equal(row.status, 'in_progress');
  t.equal(row.crew, 'Аварийная бригада № 2');

  const early = await postStatus(dispatcher, leak.id, { status: 'done', comment: '' });
  t.equal(early.statusCode, 422);
  t.match(early.body, 'Напишите, что сделано');
  const wrong = await postStatus(dispatcher, leak.id, { status: 'done', comment: 'Готово' }, [{ filename: 'акт.txt', content: Buffer.from('не фото') }]);
  t.equal(wrong.statusCode, 422);
  t.match(wrong.body, 'не фотография JPEG или PNG');
  const finished = await postStatus(dispatcher, leak.id, { status: 'done', comment: 'Стояк перекрыт, прокладка заменена' }, [{ filename: 'результат.png', content: sampleScanPng() }]);
  t.equal(finished.statusCode, 303, finished.body);
  t.equal((await postStatus(dispatcher, leak.id, { status: 'rejected', comment: 'Ещё раз' })).statusCode, 422, 'a done request offers no status');
  row = await db.selectFrom('service_requests').selectAll().where('id', '=', leak.id).executeTakeFirstOrThrow();
  t.equal(row.status, 'done');
  t.ok(row.closed_at);

  const page = await dispatcher.get(`/admin/requests/${leak.id}?done=done`);
  t.match(page.body, 'Заявка выполнена. Житель получит письмо.');
  t.match(page.body, /диспетчер Дарья Диспетчерова:\s*Статус изменён — Выполнена/);
  t.match(page.body, 'Стояк перекрыт, прокладка заменена');
  const photo = await db.selectFrom('service_request_photos').select('id').where('request_id', '=', leak.id).executeTakeFirstOrThrow();
  t.equal((await dispatcher.get(`/admin/requests/${leak.id}/photos/${photo.id}`)).statusCode, 200);

  const audit = await db.selectFrom('audit_log').select(['action', 'subject_id']).where('subject_type', '=', 'service_request').orderBy('id').execute();
  t.same(audit.map((a) => a.action), ['service-request.taken', 'service-request.crew-changed', 'service-request.done']);
  t.ok(audit.every((a) => a.subject_id === String(leak.id)));

  const emails = await messagesTo(db, resident.email);
  t.same(emails.map((m) => m.subject), [`Заявка № ${leak.id} взята в работу`, `Заявка № ${leak.id} выполнена`], 'one email per change, none for the crew change');
  t.match(emails[1]!.text, 'Стояк перекрыт, прокладка заменена');
  const sms = await messagesTo(db, row.contact_phone);
  t.same(sms.map((m) => m.text), [`Заявка № ${leak.id} взята в работу. Бригада: Сантехники, участок 3.`, `Заявка № ${leak.id} выполнена.`]);

  // The resident sees «Выполнена» and rates it once.
  const owner = await residentAgent(app, db, config, resident.id);
  const seen = await owner.get(`/requests/${leak.id}`);
  t.match(seen.body, 'Выполнена');
  t.match(seen.body, 'Оцените результат');
  t.equal((await owner.post(`/requests/${leak.id}/rating`, { rating: '7' })).statusCode, 422);
  t.equal((await owner.post(`/requests/${leak.id}/rating`, { rating: '4', ratingComment: 'Быстро' })).statusCode, 303);
  t.equal((await owner.post(`/requests/${leak.id}/rating`, { rating: '1' })).statusCode, 409, 'rated once');
  t.equal((await db.selectFrom('service_requests').select('rating').where('id', '=', leak.id).executeTakeFirstOrThrow()).rating, 4);
});

t.test('a dispatcher rejects a registered request with a reason; the resident is told why', async (t) => {
  const { db, dispatcher, resident } = await setUp(t);
  const lighting = await requestOf(db, 'lighting');
  await dispatcher.get(`/admin/requests/${lighting.id}`);
  t.equal((await postStatus(dispatcher, lighting.id, { status: 'done', comment: 'Сделано' })).statusCode, 422, 'done only after it was taken');
  const noReason = await postStatus(dispatcher, lighting.id, { status: 'rejected', comment: '' });
  t.match(noReason.body, 'Напишите причину отказа');
  t.equal((await postStatus(dispatcher, lighting.id, { status: 'rejected', comment: 'Лампу заменили по другой заявке' })).statusCode, 303);
  const emails = await messagesTo(db, resident.email);
  t.same(emails.map((m) => m.subject), [`Заявка № ${lighting.id} отклонена`]);
  t.match(emails[0]!.text, 'Лампу заменили по другой заявке');
  t.equal((await dispatcher.post(`/admin/requests/${lighting.id}/assignment`, { crew: 'Электрики' })).statusCode, 409);
});

t.test('requests linked to an outage notice are closed together with one message', async (t) => {
  const { db, dispatcher, resident } = await setUp(t);
  const leak = await requestOf(db, 'leak');
  const lighting = await requestOf(db, 'lighting');
  const page = await dispatcher.get(`/admin/requests/${leak.id}`);
  const notice = /<option value="(\d+)">№ \d+\./.exec(page.body);
  t.ok(notice, 'the current notice of the building is offered');
  const noticeId = notice![1]!;
  t.equal((await dispatcher.post(`/admin/requests/${leak.id}/notice`, { noticeId: '999999' })).statusCode, 422, 'an unknown notice');
  for (const id of [leak.id, lighting.id]) t.equal((await dispatcher.post(`/admin/requests/${id}/notice`, { noticeId })).statusCode, 303);

  const list = await dispatcher.get(`/admin/requests/notices/${noticeId}`);
  t.match(list.body, `№ ${leak.id}`);
  t.match(list.body, `№ ${lighting.id}`);
  const empty = await dispatcher.post(`/admin/requests/notices/${noticeId}/closure`, { message: '' });
  t.equal(empty.statusCode, 422);
  t.match(empty.body, /id="message-error">/);
  const closed = await dispatcher.post(`/admin/requests/notices/${noticeId}/closure`, { message: 'Авария на сети устранена, вода подана.' });
  t.equal(closed.statusCode, 303);
  const rows = await db.selectFrom('service_requests').select(['id', 'status']).where('notice_id', '=', Number(noticeId)).orderBy('id').execute();
  t.same(rows.map((r) => r.status), ['done', 'done']);
  const emails = await messagesTo(db, resident.email);
  t.equal(emails.length, 2, 'one email per request');
  t.ok(emails.every((m) => m.text.includes('Авария на сети устранена, вода подана.')));
  const audit = await db.selectFrom('audit_log').select(['action', 'subject_type']).where('action', '=', 'service-request.closed-with-notice').execute();
  t.same(audit, [{ action: 'service-request.closed-with-notice', subject_type: 'notice' }]);
  t.match((await dispatcher.get(`/admin/requests/notices/${noticeId}`)).body, 'Открытых заявок по этому объявлению нет.');
});

t.test('the overdue job marks an open request once when it crosses its deadline', async (t) => {
  const { db } = await setUp(t);
  t.ok(jobDefinitions.includes(overdueRequestsJob));
  t.equal(overdueRequestsJob.every, 60_000);
  const lighting = await requestOf(db, 'lighting');
  const lift = await requestOf(db, 'lift');
  await db.updateTable('service_requests').set({ overdue_at: null }).execute();
  const before = new Date(lift.deadline_at.getTime() - 60_000);
  const marked = await markOverdueRequests(db, before);
  t.equal(marked, 1, 'only the leak is past its deadline');
  t.equal(await markOverdueRequests(db, before), 0, 'a second run marks nothing');
  t.equal(await markOverdueRequests(db, lift.deadline_at), 1, 'the lift at its deadline');
  const events = await db.selectFrom('service_request_events').select('request_id').where('kind', '=', 'overdue').where('request_id', 'in', [lift.id, lighting.id]).execute();
  t.same(events.map((e) => e.request_id), [lift.id], 'the lighting (7 days) is not overdue; the lift has one event');
  const done = await requestOf(db, 'clog');
  t.equal((await db.selectFrom('service_requests').select('overdue_at').where('id', '=', done.id).executeTakeFirstOrThrow()).overdue_at, null, 'a done request is never overdue');
});
