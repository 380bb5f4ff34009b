import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { sql } from 'kysely';
import type { Config } from '../../src/config.js';
import type { Db } from '../../src/db/index.js';
import { WAITING_RESIDENT_EMAIL } from '../../src/features/identity/seed.js';
import { sampleScanPng } from '../../src/features/identity/sample-scan.js';
import type { EsiaPerson } from '../../src/features/esia/rules.js';
import { linkEsia } from '../../src/features/esia/service.js';
import { messageTo, testApp } from '../fixtures/app.js';
import { createResident } from '../fixtures/accounts.js';
import { PDF, staffId, uploadParts, upload, uploadedBytes } from '../fixtures/identity.js';
import { signedIn } from '../fixtures/sessions.js';

const PNG = sampleScanPng();

async function setUp(teardown: (fn: () => unknown) => void) {
  const harness = await testApp(teardown, { redis: false, seed: true });
  const { app, db, config } = harness;
  const moderatorId = await staffId(db, 'moderator@demo.local');
  const moderator = await signedIn(app, db, config, { staffId: moderatorId });
  return { ...harness, moderatorId, moderator };
}

async function residentWithUpload(app: FastifyInstance, db: Db, config: Config, email: string) {
  const resident = await createResident(db, { email, identityStatus: 'none' });
  const visitor = await signedIn(app, db, config, { residentId: resident.id });
  const response = await upload(visitor, uploadParts([
    { filename: 'разворот.png', content: PNG, type: 'image/png' },
    { filename: 'прописка.pdf', content: PDF, type: 'application/pdf' },
  ]));
  if (response.statusCode !== 303) throw new Error(`upload failed: ${response.statusCode}`);
  const submission = await db.selectFrom('identity_submissions').select('id').where('resident_id', '=', resident.id).orderBy('id', 'desc').executeTakeFirstOrThrow();
  return { resident, visitor, submissionId: submission.id };
}

t.test('the demo seed puts a resident with a sample scan in the queue', async (t) => {
  const { db, moderator } = await setUp(t.teardown);
  const waiting = await db
    .selectFrom('residents')
    .innerJoin('identity_submissions', 'identity_submissions.resident_id', 'residents.id')
    .innerJoin('identity_documents', 'identity_documents.submission_id', 'identity_submissions.id')
    .select(['residents.identity_status', 'identity_submissions.status', 'identity_documents.file_id', 'identity_documents.mime_type'])
    .where('residents.email', '=', WAITING_RESIDENT_EMAIL)
    .executeTakeFirstOrThrow();
  t.equal(waiting.identity_status, 'pending');
  t.equal(waiting.status, 'pending');
  t.equal(waiting.mime_type, 'image/png');
  t.same(await uploadedBytes(db, waiting.file_id), sampleScanPng(), 'the sample scan is in the database');
  const queue = await moderator.get('/admin/documents');
  t.match(queue.body, WAITING_RESIDENT_EMAIL);
});

t.test('the queue lists waiting submissions oldest first; the review shows the resident and the documents', async (t) => {
  const { app, db, config, moderator, moderatorId } = await setUp(t.teardown);
  const first = await residentWithUpload(app, db, config, 'first@example.test');
  const second = await residentWithUpload(app, db, config, 'second@example.test');
  // The seeded one was sent yesterday (Moscow): make ours older and newer than it.
  await db.updateTable('identity_submissions').set({ created_at: new Date('2020-01-01T10:00:00Z') }).where('id', '=', first.submissionId).execute();

  const queue = await moderator.get('/admin/documents');
  t.equal(queue.statusCode, 200);
  t.equal(queue.headers['cache-control'], 'no-store');
  t.match(queue.body, '<h1>Проверка документов</h1>');
  t.match(queue.body, 'Ожидают проверки: <strong>3</strong>');
  const order = ['first@example.test', WAITING_RESIDENT_EMAIL, 'second@example.test'].map((email) => queue.body.indexOf(email));
  t.ok(order.every((position) => position > 0), 'all three listed');
  t.same([...order].sort((a, b) => a - b), order, 'oldest first');

  const review = await moderator.get(`/admin/documents/${second.submissionId}`);
  t.equal(review.statusCode, 200);
  t.equal(review.headers['cache-control'], 'no-store');
  t.match(review.body, 'second@example.test');
  t.match(review.body, second.resident.email);
  t.match(review.body, /Я согласен на обработку персональных данных/);
  const documents = await db.selectFrom('identity_documents').select(['id', 'mime_type']).where('submission_id', '=', second.submissionId).orderBy('id').execute();
  t.match(review.body, `<img src="/admin/documents/${second.submissionId}/files/${documents[0]!.id}" alt="Скан: разворот.png"`);
  t.match(review.body, new RegExp(`href="/admin/documents/${second.submissionId}/files/${documents[1]!.id}" target="_blank" rel="noopener">Открыть PDF «прописка\\.pdf»`));
  t.match(review.body, '>Одобрить</button>');
  t.match(review.body, '>Отклонить</button>');
  t.match(review.body, '<legend class="field__label">Причина отказа</legend>');

  await moderator.get(`/admin/documents/${second.submissionId}/files/${documents[0]!.id}`);
  await moderator.get(`/admin/documents/${second.submissionId}/files/${documents[1]!.id}`);
  const audit = await db.selectFrom('audit_log').selectAll().where('staff_id', '=', moderatorId).orderBy('id').execute();
  t.same(
    audit.map((a) => [a.action, a.subject_type, a.subject_id]),
    [
      ['identity.submissions.listed', null, null],
      ['identity.submission.viewed', 'identity_submission', String(second.submissionId)],
      ['identity.document.viewed', 'identity_document', String(documents[0]!.id)],
      ['identity.document.viewed', 'identity_document', String(documents[1]!.id)],
    ],
    'every view is audited',
  );
  t.equal((await moderator.get('/admin/documents/999999')).statusCode, 404);
});

t.test('approval: the resident is confirmed, told by email, and the decision is audited', async (t) => {
  const { app, db, config, moderator, moderatorId } = await setUp(t.teardown);
  const { resident, visitor, submissionId } = await residentWithUpload(app, db, config, 'approve@example.test');
  const review = await moderator.get(`/admin/documents/${submissionId}`);
  t.match(review.body, '<strong>Иванова Мария Петровна</strong>', 'the typed name is beside the scan');
  t.match(review.body, '<strong>12.04.1985</strong>');
  t.match(review.body, '>Фамилия, имя, отчество и дата рождения совпадают с документом</label>');
  const unticked = await moderator.post(`/admin/documents/${submissionId}/approval`);
  t.equal(unticked.statusCode, 422);
  t.match(unticked.body, 'Отметьте, что данные совпадают с документом');
  t.equal((await db.selectFrom('identity_submissions').select('status').where('id', '=', submissionId).executeTakeFirstOrThrow()).status, 'pending');
  const response = await moderator.post(`/admin/documents/${submissionId}/approval`, { matches: 'yes' });
  t.equal(response.statusCode, 303);
  t.equal(response.headers.location, '/admin/documents?done=approved');
  t.match((await moderator.get(response.headers.location as string)).body, 'Документы одобрены');

  const row = await db.selectFrom('identity_submissions').selectAll().where('id', '=', submissionId).executeTakeFirstOrThrow();
  t.equal(row.status, 'approved');
  t.equal(row.decided_by, moderatorId);
  t.ok(row.decided_at);
  const status = await db.selectFrom('residents').select(['identity_status', 'last_name', 'first_name', 'middle_name', 'birth_date', 'identity_source']).where('id', '=', resident.id).executeTakeFirstOrThrow();
  t.same(status, { identity_status: 'confirmed', last_name: 'Иванова', first_name: 'Мария', middle_name: 'Петровна', birth_date: '1985-04-12', identity_source: 'documents' });
  const profile = await visitor.get('/profile');
  t.match(profile.body, 'Иванова Мария Петровна');
  t.match(profile.body, 'Изменить можно только новым подтверждением личности');
  t.notMatch(profile.body, 'name="lastName"', 'the confirmed name is not editable');

  const audit = await db.selectFrom('audit_log').selectAll().where('action', '=', 'identity.submission.approved').execute();
  t.equal(audit.length, 1);
  t.equal(audit[0]!.staff_id, moderatorId);
  t.equal(audit[0]!.subject_id, String(submissionId));

  const email = await messageTo(db, resident.email);
  t.equal(email.subject, 'Личность подтверждена');
  t.match(email.text, 'личность подтверждена');
  t.match(email.text, 'http://localhost:3000/identity');

  const page = await visitor.get('/identity');
  t.match(page.body, /<span class="tag tag--success">Подтверждена<\/span>/);
  t.notMatch(page.body, 'Загрузить документы</button>');
  t.match((await visitor.get('/')).body, 'Подтверждена');
});

t.test('rejection needs a reason; the resident sees it and can upload again', async (t) => {
  const { app, db, config, moderator } = await setUp(t.teardown);
  const { resident, visitor, submissionId } = await residentWithUpload(app, db, config, 'reject@example.test');
  await moderator.get(`/admin/documents/${submissionId}`);

  const missing = await moderator.post(`/admin/documents/${submissionId}/rejection`, { comment: '   ' });
  t.equal(missing.statusCode, 422);
  t.match(missing.body, /<p class="field__error" id="reason-error"><span class="visually-hidden">Ошибка:<\/span> Укажите причину отказа/);
  t.equal((await db.selectFrom('identity_submissions').select('status').where('id', '=', submissionId).executeTakeFirstOrThrow()).status, 'pending');

  const response = await moderator.post(`/admin/documents/${submissionId}/rejection`, {
    reason: 'Скан нечитаемый или обрезан',
    comment: 'Не видно серию и номер.',
  });
  t.equal(response.statusCode, 303);
  const row = await db.selectFrom('identity_submissions').selectAll().where('id', '=', submissionId).executeTakeFirstOrThrow();
  t.equal(row.status, 'rejected');
  t.equal(row.rejection_reason, 'Скан нечитаемый или обрезан. Не видно серию и номер.');
  const audit = await db.selectFrom('audit_log').selectAll().where('action', '=', 'identity.submission.rejected').executeTakeFirstOrThrow();
  t.same(audit.details, { residentId: resident.id, reason: 'Скан нечитаемый или обрезан. Не видно серию и номер.' });

  const email = await messageTo(db, resident.email);
  t.equal(email.subject, 'Документы не приняты');
  t.match(email.text, 'Причина отказа: Скан нечитаемый или обрезан. Не видно серию и номер.');

  const page = await visitor.get('/identity');
  t.match(page.body, /<span class="tag tag--error">Отклонена<\/span>/);
  t.match(page.body, 'Причина отказа: Скан нечитаемый или обрезан. Не видно серию и номер.');
  t.match(page.body, 'Загрузить документы</button>', 'the form is back');

  const again = await upload(visitor, uploadParts([{ filename: 'лучше.png', content: PNG }]));
  t.equal(again.statusCode, 303);
  t.match((await visitor.get('/identity')).body, 'На проверке');
  t.equal((await db.selectFrom('identity_submissions').select('id').where('resident_id', '=', resident.id).execute()).length, 2);

  const freeText = await residentWithUpload(app, db, config, 'free@example.test');
  await moderator.post(`/admin/documents/${freeText.submissionId}/rejection`, { comment: 'Фото размыто.' });
  const reason = await db.selectFrom('identity_submissions').select('rejection_reason').where('id', '=', freeText.submissionId).executeTakeFirstOrThrow();
  t.equal(reason.rejection_reason, 'Фото размыто.');
});

t.test('two moderators decide the same submission: the first decision stands, the second is told', async (t) => {
  const { app, db, config, moderator } = await setUp(t.teardown);
  const second = await db
    .insertInto('staff')
    .values({ email: 'moderator2@demo.local', full_name: 'Мария Вторая', roles: ['moderator'] })
    .returning('id')
    .executeTakeFirstOrThrow();
  const other = await signedIn(app, db, config, { staffId: second.id });

  const { resident, submissionId } = await residentWithUpload(app, db, config, 'twice@example.test');
  await moderator.get(`/admin/documents/${submissionId}`);
  await other.get(`/admin/documents/${submissionId}`);
  t.equal((await moderator.post(`/admin/documents/${submissionId}/approval`, { matches: 'yes' })).statusCode, 303);
  const late = await other.post(`/admin/documents/${submissionId}/rejection`, { reason: 'Загружен не тот документ' });
  t.equal(late.statusCode, 409);
  t.match(late.body, 'Решение по этой заявке уже принято другим модератором');
  t.match(late.body, 'Михаил Модераторов');
  t.notMatch(late.body, '>Отклонить</button>', 'no decision form any more');
  const row = await db.selectFrom('identity_submissions').select(['status', 'rejection_reason']).where('id', '=', submissionId).executeTakeFirstOrThrow();
  t.same(row, { status: 'approved', rejection_reason: null });
  t.equal((await db.selectFrom('residents').select('identity_status').where('id', '=', resident.id).executeTakeFirstOrThrow()).identity_status, 'confirmed');

  // At the same moment: exactly one wins.
  const race = await residentWithUpload(app, db, config, 'race@example.test');
  await moderator.get(`/admin/documents/${race.submissionId}`);
  await other.get(`/admin/documents/${race.submissionId}`);
  const answers = await Promise.all([
    moderator.post(`/admin/documents/${race.submissionId}/approval`, { matches: 'yes' }),
    other.post(`/admin/documents/${race.submissionId}/rejection`, { reason: 'Загружен не тот документ' }),
  ]);
  t.same(answers.map((a) => a.statusCode).sort(), [303, 409]);
  const decisions = await db
    .selectFrom('audit_log')
    .select('action')
    .where('subject_id', '=', String(race.submissionId))
    .where('action', 'in', ['identity.submission.approved', 'identity.submission.rejected'])
    .execute();
  t.equal(decisions.length, 1, 'one decision recorded');
  const outbox = await db.selectFrom('outbox').select('payload').execute();
  t.equal(outbox.filter((row) => (row.payload as { to?: string }).to === 'race@example.test').length, 1, 'one email');
});

t.test('documents decided after the resident confirmed through Госуслуги leave the resident as ЕСИА confirmed them', async (t) => {
  const { app, db, config, moderator } = await setUp(t.teardown);
  const person = (subject: string): EsiaPerson => ({
    subject, trustLevel: 'confirmed', lastName: 'Госуслугова', firstName: 'Есения', middleName: null, birthDate: '1990-05-17',
    email: null, phone: null, snilsMasked: null, passportMasked: null,
  });
  for (const [kind, path, form] of [
    ['rejection', 'rejection', { reason: 'Скан нечитаемый или обрезан' }],
    ['approval', 'approval', { matches: 'yes' }],
  ] as const) {
    const { resident, submissionId } = await residentWithUpload(app, db, config, `esia-${kind}@example.test`);
    await db.transaction().execute((trx) => linkEsia(trx, { residentId: resident.id, person: person(`esia-${kind}`), now: new Date(), ip: '127.0.0.1' }));
    const queued = () => db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).where(sql<boolean>`payload->>'to' = ${resident.email}`).executeTakeFirstOrThrow();
    const before = await queued();

    await moderator.get(`/admin/documents/${submissionId}`);
    t.equal((await moderator.post(`/admin/documents/${submissionId}/${path}`, form)).statusCode, 303, `the ${kind} is recorded`);
    const submission = await db.selectFrom('identity_submissions').select('status').where('id', '=', submissionId).executeTakeFirstOrThrow();
    t.equal(submission.status, kind === 'approval' ? 'approved' : 'rejected', 'the submission is decided');
    const row = await db.selectFrom('residents').select(['identity_status', 'identity_source', 'last_name', 'birth_date']).where('id', '=', resident.id).executeTakeFirstOrThrow();
    t.same(row, { identity_status: 'confirmed', identity_source: 'esia', last_name: 'Госуслугова', birth_date: '1990-05-17' }, `after the ${kind} the resident stays confirmed through Госуслуги`);
    const audit = await db.selectFrom('audit_log').select('details').where('action', '=', `identity.submission.${kind === 'approval' ? 'approved' : 'rejected'}`).where('subject_id', '=', String(submissionId)).executeTakeFirstOrThrow();
    t.match(audit.details, { residentId: resident.id, residentUnchanged: true }, 'the log says the resident was left as they were');
    t.equal(Number((await queued()).n), Number(before.n), 'no email about a check that changed nothing');
  }

  const visitor = await signedIn(app, db, config, { residentId: (await db.selectFrom('residents').select('id').where('email', '=', 'esia-rejection@example.test').executeTakeFirstOrThrow()).id });
  const page = await visitor.get('/identity');
  t.notMatch(page.body, 'Отклонена', 'the resident does not read «Отклонена»');
});
