import t from 'tap';
import { loadConfig } from '../../../src/config.js';
import { identityRetentionJob } from '../../../src/features/identity/jobs.js';
import { sampleScanPng } from '../../../src/features/identity/sample-scan.js';
import { createTransports } from '../../../src/messaging/transports.js';
import { moscowDate, type Clock } from '../../../src/lib/calendar.js';
import { testApp } from '../../fixtures/app.js';
import { createResident } from '../../fixtures/accounts.js';
import { staffId, uploadParts, upload, uploadedBytes } from '../../fixtures/identity.js';
import { signedIn } from '../../fixtures/sessions.js';

const DAY = 24 * 3600_000;

t.test('scans are deleted the configured number of days after the decision; the metadata stays, each deletion is logged', async (t) => {
  let now = new Date('2026-11-02T09:00:00Z');
  const clock: Clock = { now: () => new Date(now), today: () => moscowDate(now) };
  const { app, db, config } = await testApp(t.teardown, { redis: false, seed: true, clock, env: { IDENTITY_RETENTION_DAYS: '30' } });
  t.equal(config.identityRetentionDays, 30);
  const runJob = () => identityRetentionJob.handle({}, { db, config, clock, transports: createTransports(config), log: app.log });

  const resident = await createResident(db, { email: 'retain@example.test', identityStatus: 'none' });
  const visitor = await signedIn(app, db, config, { residentId: resident.id });
  t.equal((await upload(visitor, uploadParts([{ filename: 'скан.png', content: sampleScanPng() }]))).statusCode, 303);
  const document = await db
    .selectFrom('identity_documents')
    .innerJoin('identity_submissions', 'identity_submissions.id', 'identity_documents.submission_id')
    .select(['identity_documents.id', 'identity_documents.file_id', 'identity_documents.submission_id'])
    .where('identity_submissions.resident_id', '=', resident.id)
    .executeTakeFirstOrThrow();
  const moderator = await signedIn(app, db, config, { staffId: await staffId(db, 'moderator@demo.local') });
  await moderator.get(`/admin/documents/${document.submission_id}`);
  t.equal((await moderator.post(`/admin/documents/${document.submission_id}/approval`, { matches: 'yes' })).statusCode, 303);

  now = new Date(now.getTime() + 29 * DAY);
  await runJob();
  t.same(await uploadedBytes(db, document.file_id), sampleScanPng(), 'kept before the period ends');

  now = new Date(now.getTime() + 2 * DAY);
  await runJob();
  t.equal(await uploadedBytes(db, document.file_id), null, 'the bytes are gone after 30 days');
  const row = await db.selectFrom('identity_documents').selectAll().where('id', '=', document.id).executeTakeFirstOrThrow();
  t.same(row.deleted_at, now, 'deleted_at set by the app clock');
  t.equal(row.file_id, null, 'the row points at no bytes');
  t.equal(row.original_name, 'скан.png', 'metadata kept');
  t.match(row.sha256, /^[0-9a-f]{64}$/);

  const audit = await db.selectFrom('audit_log').selectAll().where('action', '=', 'identity.document.deleted').execute();
  t.equal(audit.length, 1);
  t.equal(audit[0]!.staff_id, null);
  t.equal(audit[0]!.subject_id, String(document.id));
  t.match(audit[0]!.details, { submissionId: document.submission_id, retentionDays: 30 });

  const seeded = await db.selectFrom('identity_documents').select(['file_id', 'deleted_at']).where('id', '!=', document.id).executeTakeFirstOrThrow();
  t.equal(seeded.deleted_at, null, 'a waiting submission is never touched');
  t.same(await uploadedBytes(db, seeded.file_id), sampleScanPng(), 'its bytes stay');

  await runJob();
  t.equal((await db.selectFrom('audit_log').select('id').where('action', '=', 'identity.document.deleted').execute()).length, 1, 'running twice deletes nothing more');

  const owner = await visitor.get(`/identity/documents/${document.id}`);
  t.equal(owner.statusCode, 410);
  t.equal(owner.headers['cache-control'], 'no-store');
  t.match(owner.body, 'Файл удалён');
  t.match((await visitor.get('/identity')).body, /скан\.png — удалён/);
  const staffView = await moderator.get(`/admin/documents/${document.submission_id}/files/${document.id}`);
  t.equal(staffView.statusCode, 410);
  t.match((await moderator.get(`/admin/documents/${document.submission_id}`)).body, 'файл удалён');
});

t.test('IDENTITY_RETENTION_DAYS is validated', async (t) => {
  const base = { NODE_ENV: 'test', SESSION_SECRET: 'x'.repeat(40) };
  t.equal(loadConfig(base).identityRetentionDays, 30, 'default');
  t.equal(loadConfig({ ...base, IDENTITY_RETENTION_DAYS: '7' }).identityRetentionDays, 7);
  for (const bad of ['0', '-1', '2.5', 'thirty', '99999']) {
    t.throws(() => loadConfig({ ...base, IDENTITY_RETENTION_DAYS: bad }), /IDENTITY_RETENTION_DAYS/, bad);
  }
});
