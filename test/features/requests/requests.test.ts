import { createHash } from 'node:crypto';
import t from 'tap';
import { uploadDir } from '../../../src/features/identity/service.js';
import { sampleScanPng } from '../../../src/features/identity/sample-scan.js';
import { fixedClock } from '../../../src/lib/calendar.js';
import type { Agent } from '../../fixtures/app.js';
import { testApp } from '../../fixtures/app.js';
import { coOwnerAccepted, createResident, linkApproved, residentAgent } from '../../fixtures/accounts.js';
import { EXE, PDF, filesIn, multipartBody, uploadedBytes, type Part } from '../../fixtures/identity.js';
import { jpegWithGps, jpegWithoutMetadata, pngWithText } from '../../fixtures/photos.js';

// Residents file requests with photos, follow them, comment, withdraw and rate;
// scoped to the accounts they may see, with «Просмотр» co-owners reading only.

type File = { filename: string; content: Buffer; type?: string };

/** Posts a multipart form the way the browser does: the CSRF token first. */
async function postMultipart(agent: Agent, url: string, fields: Record<string, string>, files: File[] = [], field = 'photos') {
  const parts: Part[] = [
    { name: '_csrf', value: agent.csrfToken },
    ...Object.entries(fields).map(([name, value]) => ({ name, value })),
    ...files.map((file) => ({ name: field, ...file })),
  ];
  const { body, contentType } = multipartBody(parts);
  return agent.send('POST', url, body, contentType);
}

const LEAK = { kind: 'leak', place: 'flat', description: 'Капает с потолка в ванной', phone: '8 (916) 555-12-34', smsUpdates: 'yes' };

// 12:00 in Moscow on 20 November 2026, stopped: deadlines are checked to the minute.
const NOW = '2026-11-20T09:00:00Z';

async function setUp(t: { teardown: (fn: () => unknown) => void }) {
  const app = await testApp(t.teardown, { seed: true, redis: false, env: { APP_TODAY: '2026-11-20' }, clock: fixedClock(NOW) });
  const owner = await createResident(app.db);
  const accountId = await linkApproved(app.db, owner.id, '7700000001');
  const agent = await residentAgent(app.app, app.db, app.config, owner.id);
  await agent.get('/requests/new');
  return { ...app, owner, accountId, agent };
}

t.test('a resident files a leak with photos: deadline from the norm, photos checked and stripped of location', async (t) => {
  const { db, config, owner, accountId, agent } = await setUp(t);
  const form = await agent.get('/requests/new');
  t.equal(form.statusCode, 200);
  t.match(form.body, '<legend class="field__label">Что случилось</legend>');
  for (const kind of ['Авария', 'Протечка', 'Нет горячей воды', 'Засор', 'Лифт', 'Освещение', 'Другое']) t.match(form.body, `>${kind}</label>`);
  t.match(form.body, 'срок по нормативу — 30 минут');
  t.match(form.body, 'срок по нормативу — 2 часа');
  t.match(form.body, /<label class="field__label" for="photos">Фотографии<\/label>/);
  t.match(form.body, /enctype="multipart\/form-data" novalidate>\s*<input type="hidden" name="_csrf"/);

  const response = await postMultipart(agent, '/requests', { accountId: String(accountId), ...LEAK }, [
    { filename: 'потолок.jpg', content: jpegWithGps(), type: 'image/jpeg' },
    // The browser's type says nothing: the bytes decide.
    { filename: 'пятно.bin', content: pngWithText(), type: 'application/octet-stream' },
  ]);
  t.equal(response.statusCode, 303, response.body);
  const request = await db.selectFrom('service_requests').selectAll().where('resident_id', '=', owner.id).executeTakeFirstOrThrow();
  t.equal(response.headers.location, `/requests/${request.id}?done=filed`);
  t.equal(request.status, 'registered');
  t.equal(request.contact_phone, '+79165551234');
  t.equal(request.sms_updates, true, 'a leak is an emergency: SMS as chosen');
  t.equal(request.registered_at.toISOString(), '2026-11-20T09:00:00.000Z');
  t.equal(request.deadline_at.toISOString(), '2026-11-20T09:30:00.000Z', 'leak: 30 minutes from registration');

  const photos = await db.selectFrom('service_request_photos').selectAll().where('request_id', '=', request.id).orderBy('id').execute();
  t.same(photos.map((p) => [p.original_name, p.mime_type]), [['потолок.jpg', 'image/jpeg'], ['пятно.bin', 'image/png']]);
  const dir = uploadDir(config);
  const storedJpeg = (await uploadedBytes(db, photos[0]!.file_id))!;
  t.same(storedJpeg, jpegWithoutMetadata(), 'the stored JPEG is the picture without EXIF, XMP and comment');
  t.notOk(storedJpeg.includes(Buffer.from('Exif', 'latin1')), 'no EXIF (GPS) in what is stored');
  t.equal(photos[0]!.size_bytes, storedJpeg.length);
  t.equal(photos[0]!.sha256, createHash('sha256').update(storedJpeg).digest('hex'), 'the hash is of what is stored');
  const storedPng = (await uploadedBytes(db, photos[1]!.file_id))!;
  t.notOk(storedPng.includes(Buffer.from('GPS', 'latin1')), 'no text chunk in the stored PNG');
  t.same(await filesIn(dir), [], 'no temporary files left');

  const page = await agent.get(`/requests/${request.id}?done=filed`);
  t.equal(page.statusCode, 200);
  t.match(page.body, `<h1>Заявка № ${request.id}</h1>`);
  t.match(page.body, 'Заявка зарегистрирована. Диспетчер получил её.');
  t.match(page.body, /<dt>Срок по нормативу<\/dt><dd>20\.11\.2026, 12:30 \(30 минут с регистрации/);
  t.match(page.body, 'осталось 30 мин');
  t.match(page.body, 'Зарегистрирована');
  t.match(page.body, /вы:\s*Заявка зарегистрирована/);
  const image = await agent.get(`/requests/${request.id}/photos/${photos[0]!.id}`);
  t.equal(image.statusCode, 200);
  t.equal(image.headers['content-type'], 'image/jpeg');
  t.same(image.rawPayload, storedJpeg);

  const list = await agent.get('/requests');
  t.match(list.body, `№ ${request.id}`);
  t.match(list.body, 'Протечка');
  t.match(list.body, '<a href="/requests" aria-current="page">Заявки</a>');
});

t.test('deadlines follow the kind: a clog 2 hours, lighting 7 days, counted in Moscow time', async (t) => {
  const { db, owner, accountId, agent } = await setUp(t);
  for (const [kind, deadline] of [['clog', '2026-11-20T11:00:00.000Z'], ['lighting', '2026-11-27T09:00:00.000Z'], ['no_hot_water', '2026-11-20T13:00:00.000Z']] as const) {
    const response = await postMultipart(agent, '/requests', { accountId: String(accountId), ...LEAK, kind });
    t.equal(response.statusCode, 303, kind);
    const row = await db.selectFrom('service_requests').select(['deadline_at', 'sms_updates']).where('resident_id', '=', owner.id).where('kind', '=', kind).executeTakeFirstOrThrow();
    t.equal(row.deadline_at.toISOString(), deadline, kind);
    t.equal(row.sms_updates, false, `${kind}: no SMS for a request that is not an emergency`);
  }
});

t.test('bad input comes back with the input kept and a message next to each field; nothing is stored', async (t) => {
  const { db, config, owner, accountId, agent } = await setUp(t);
  const dir = uploadDir(config);
  const empty = await postMultipart(agent, '/requests', { accountId: '', kind: '', place: '', description: '', phone: '' });
  t.equal(empty.statusCode, 422);
  for (const [id, message] of [
    ['kind', 'Выберите, что случилось'], ['place', 'Укажите, где случилось'], ['description', 'Опишите, что случилось'], ['phone', 'Введите номер телефона для связи'],
  ] as const) {
    t.match(empty.body, new RegExp(`<p class="field__error" id="${id}-error"><span class="visually-hidden">Ошибка:</span> ${message}`), id);
  }
  t.match(empty.body, 'Есть ошибки');

  const kept = await postMultipart(agent, '/requests', { accountId: String(accountId), ...LEAK, phone: '12345', description: 'Течёт & <капает>' });
  t.equal(kept.statusCode, 422);
  t.match(kept.body, 'Введите номер телефона в формате +7 916 123-45-67');
  t.match(kept.body, 'Течёт &amp; &lt;капает&gt;</textarea>', 'the description is kept, escaped');
  t.match(kept.body, 'value="12345"');

  for (const bad of [
    { name: 'a PDF', file: { filename: 'акт.pdf', content: PDF }, message: 'не фотография JPEG или PNG', status: 422 },
    { name: 'a program named .jpg', file: { filename: 'фото.jpg', content: EXE, type: 'image/jpeg' }, message: 'не фотография JPEG или PNG', status: 422 },
    { name: 'an empty file', file: { filename: 'пусто.jpg', content: Buffer.alloc(0) }, message: 'пустой', status: 422 },
    { name: 'a broken JPEG', file: { filename: 'битый.jpg', content: jpegWithGps().subarray(0, 40) }, message: 'повреждён', status: 422 },
    { name: 'a photo over 10 MB', file: { filename: 'большое.png', content: Buffer.concat([sampleScanPng(), Buffer.alloc(10 * 1024 * 1024)]) }, message: 'больше 10 МБ', status: 413 },
  ]) {
    const response = await postMultipart(agent, '/requests', { accountId: String(accountId), ...LEAK }, [bad.file]);
    t.equal(response.statusCode, bad.status, bad.name);
    t.match(response.body, /<p class="field__error" id="photos-error">/, `${bad.name}: the message is next to the photos`);
    t.match(response.body, bad.message, bad.name);
    t.match(response.body, 'Капает с потолка в ванной</textarea>', `${bad.name}: the description is kept`);
  }
  const six = Array.from({ length: 6 }, (_, i) => ({ filename: `${i}.png`, content: sampleScanPng(20, 20) }));
  const tooMany = await postMultipart(agent, '/requests', { accountId: String(accountId), ...LEAK }, six);
  t.equal(tooMany.statusCode, 422);
  t.match(tooMany.body, 'не больше 5 файлов');

  const { body, contentType } = multipartBody([{ name: '_csrf', value: 'forged' }, { name: 'kind', value: 'leak' }, { name: 'photos', filename: 'a.png', content: sampleScanPng() }]);
  const refused = await agent.send('POST', '/requests', body, contentType);
  t.equal(refused.statusCode, 403, 'a forged CSRF token is refused');
  t.same(await filesIn(dir), [], 'no file left behind by refused forms');
  t.equal((await db.selectFrom('uploaded_files').select('id').execute()).length, 1, 'nothing stored beside the demo scan');
  t.equal((await db.selectFrom('service_requests').select('id').where('resident_id', '=', owner.id).execute()).length, 0);
});

t.test('another resident cannot see or act on a request: 404 everywhere', async (t) => {
  const { app, db, config, accountId, agent } = await setUp(t);
  const response = await postMultipart(agent, '/requests', { accountId: String(accountId), ...LEAK }, [{ filename: 'a.png', content: sampleScanPng() }]);
  const id = Number(/\/requests\/(\d+)/.exec(String(response.headers.location))![1]);
  const photo = await db.selectFrom('service_request_photos').select('id').where('request_id', '=', id).executeTakeFirstOrThrow();

  const stranger = await createResident(db);
  await linkApproved(db, stranger.id, '7700000002');
  const other = await residentAgent(app, db, config, stranger.id);
  await other.get('/requests');
  t.notMatch((await other.get('/requests')).body, `№ ${id}`, 'not in their list');
  t.equal((await other.get(`/requests/${id}`)).statusCode, 404);
  t.equal((await other.get(`/requests/${id}/photos/${photo.id}`)).statusCode, 404);
  t.equal((await other.get(`/requests/${id}/withdrawal`)).statusCode, 404);
  t.equal((await other.post(`/requests/${id}/comments`, { comment: 'чужое' })).statusCode, 404);
  t.equal((await other.post(`/requests/${id}/withdrawal`, {})).statusCode, 404);
  t.equal((await other.post(`/requests/${id}/rating`, { rating: '1' })).statusCode, 404);
  t.equal((await postMultipart(other, `/requests/${id}/photos`, {}, [{ filename: 'b.png', content: sampleScanPng() }])).statusCode, 404);
  // Filing on someone else's account is refused at the account field.
  const foreign = await postMultipart(other, '/requests', { accountId: String(accountId), ...LEAK });
  t.equal(foreign.statusCode, 422);
  t.match(foreign.body, 'Выберите лицевой счёт из списка');
  t.equal((await agent.get(`/requests/${id}/photos/999999`)).statusCode, 404, 'an unknown photo of one\'s own request');
  const status = await db.selectFrom('service_requests').select('status').where('id', '=', id).executeTakeFirstOrThrow();
  t.equal(status.status, 'registered');
  t.equal((await db.selectFrom('service_request_events').select('id').where('request_id', '=', id).execute()).length, 1, 'nothing was added');
});

t.test('a co-owner with «Просмотр» reads the requests but cannot file or act; «Просмотр и оплата» can', async (t) => {
  const { app, db, config, owner, accountId, agent } = await setUp(t);
  const filed = await postMultipart(agent, '/requests', { accountId: String(accountId), ...LEAK });
  const id = Number(/\/requests\/(\d+)/.exec(String(filed.headers.location))![1]);

  const viewer = await createResident(db);
  await coOwnerAccepted(db, owner.id, viewer.id, '7700000001', 'view');
  const reader = await residentAgent(app, db, config, viewer.id);
  const list = await reader.get('/requests');
  t.match(list.body, `№ ${id}`);
  t.match(list.body, 'С правом «Просмотр» можно читать заявки');
  t.notMatch(list.body, 'href="/requests/new"');
  const page = await reader.get(`/requests/${id}`);
  t.equal(page.statusCode, 200);
  t.match(page.body, /совладелец:\s*Заявка зарегистрирована/, 'who made the change');
  t.notMatch(page.body, 'action="/requests/' + id + '/comments"');
  t.match((await reader.get('/requests/new')).body, 'С правом «Просмотр» можно читать заявки по счёту, но не подавать их.');
  const refused = await postMultipart(reader, '/requests', { accountId: String(accountId), ...LEAK });
  t.equal(refused.statusCode, 422);
  t.match(refused.body, 'С правом «Просмотр»');
  t.equal((await reader.post(`/requests/${id}/comments`, { comment: 'Я тоже' })).statusCode, 403);
  t.equal((await reader.post(`/requests/${id}/withdrawal`, {})).statusCode, 403);
  t.equal((await db.selectFrom('service_requests').select('id').where('resident_id', '=', viewer.id).execute()).length, 0);

  const payer = await createResident(db);
  await coOwnerAccepted(db, owner.id, payer.id, '7700000001', 'view_pay');
  const coOwner = await residentAgent(app, db, config, payer.id);
  await coOwner.get('/requests/new');
  t.equal((await postMultipart(coOwner, '/requests', { accountId: String(accountId), ...LEAK, kind: 'lift', place: 'common' })).statusCode, 303);
});

t.test('comment, add a photo, withdraw with confirmation; a closed request stays closed', async (t) => {
  const { db, accountId, agent } = await setUp(t);
  const filed = await postMultipart(agent, '/requests', { accountId: String(accountId), ...LEAK });
  const id = Number(/\/requests\/(\d+)/.exec(String(filed.headers.location))![1]);
  await agent.get(`/requests/${id}`);

  const empty = await agent.post(`/requests/${id}/comments`, { comment: '   ' });
  t.equal(empty.statusCode, 422);
  t.match(empty.body, /id="comment-error"><span class="visually-hidden">Ошибка:<\/span> Напишите комментарий/);
  t.equal((await agent.post(`/requests/${id}/comments`, { comment: 'Дома буду после 18:00' })).statusCode, 303);
  const photo = await postMultipart(agent, `/requests/${id}/photos`, {}, [{ filename: 'ещё.jpg', content: jpegWithGps() }]);
  t.equal(photo.statusCode, 303, photo.body);
  const noPhoto = await postMultipart(agent, `/requests/${id}/photos`, {});
  t.equal(noPhoto.statusCode, 422);
  t.match(noPhoto.body, 'Выберите фотографию');
  const page = await agent.get(`/requests/${id}`);
  t.match(page.body, 'Дома буду после 18:00');
  t.match(page.body, 'Добавлены фотографии');

  const confirm = await agent.get(`/requests/${id}/withdrawal`);
  t.equal(confirm.statusCode, 200);
  t.match(confirm.body, 'вернуть её нельзя');
  t.equal((await agent.post(`/requests/${id}/withdrawal`, { reason: 'Сосед перекрыл воду' })).statusCode, 303);
  const row = await db.selectFrom('service_requests').select(['status', 'closed_at']).where('id', '=', id).executeTakeFirstOrThrow();
  t.equal(row.status, 'withdrawn');
  t.ok(row.closed_at);
  t.match((await agent.get(`/requests/${id}`)).body, 'Отозвана');
  t.equal((await agent.post(`/requests/${id}/withdrawal`, {})).statusCode, 409, 'withdrawn once');
  t.equal((await agent.post(`/requests/${id}/rating`, { rating: '5' })).statusCode, 409, 'only a done request is rated');
});
