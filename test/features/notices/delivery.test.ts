import t, { type Test } from 'tap';
import pino from 'pino';
import { loadConfig } from '../../../src/config.js';
import type { Db } from '../../../src/db/index.js';
import { jobDefinitions } from '../../../src/jobs/registry.js';
import { JobRunner } from '../../../src/jobs/runner.js';
import { fixedClock } from '../../../src/lib/calendar.js';
import type { Email, Transports } from '../../../src/messaging/transports.js';
import { fanOutNoticeVersion, publishNotice, sendNoticeEmailBatch, updateNotice } from '../../../src/features/notices/service.js';
import type { NoticeInput } from '../../../src/features/notices/rules.js';
import { eventually } from '../../fixtures/app.js';
import { createResident, createStaff, linkApproved, coOwnerAccepted } from '../../fixtures/accounts.js';
import { TEST_REDIS_URL, freshDatabase, uniqueQueuePrefix } from '../../fixtures/database.js';

// Exactly one recorded email per notice version and resident: a fan-out run twice,
// a batch that dies halfway and is retried, two copies of a batch at once, and a
// real BullMQ retry after a failed send.

const clock = fixedClock('2026-11-20T09:00:00Z');
const config = loadConfig({ NODE_ENV: 'test', SESSION_SECRET: 'x'.repeat(40) });
const RESIDENTS = 120;

/** The outside mail server: records what left, and can refuse the n-th message once. */
function mailServer(failAt?: number) {
  const delivered: string[] = [];
  let attempts = 0;
  const transports: Transports = {
    async sendEmail(email: Email) {
      attempts += 1;
      if (attempts === failAt) throw new Error('SMTP connection lost');
      delivered.push(email.to);
    },
    async sendSms() {},
  };
  return { transports, delivered };
}

async function setUp(t: Test) {
  const { db } = await freshDatabase(t.teardown, { seededFor: clock.today() });
  const building = await db.selectFrom('buildings').select('id').where('unom', '=', 1001).executeTakeFirstOrThrow();
  const residents = [];
  // One owner of 7700000001; everyone else reaches the building as a co-owner (an account has one owner).
  for (let i = 0; i < RESIDENTS; i += 1) {
    const resident = await createResident(db);
    if (i === 0) await linkApproved(db, resident.id, '7700000001');
    else await coOwnerAccepted(db, residents[0]!.id, resident.id, '7700000001');
    residents.push(resident);
  }
  const staffId = await createStaff(db, ['dispatcher']);
  const input: NoticeInput = {
    kind: 'emergency', resource: 'cold_water', buildingIds: [building.id], startsAt: new Date('2026-11-20T06:00:00Z'), endsAt: null,
    supplier: 'АО «Мосводоканал»', reason: 'Прорыв трубы', body: 'Воды нет.', longOutageConfirmed: false,
  };
  const actor = { staffId, ip: '127.0.0.1', now: clock.now(), publicUrl: 'http://localhost:3000' };
  const noticeId = await db.transaction().execute((trx) => publishNotice(trx, input, actor));
  const version = async (n: number) =>
    (await db.selectFrom('notice_versions').select('id').where('notice_id', '=', noticeId).where('version', '=', n).executeTakeFirstOrThrow()).id;
  return { db, residents, input, actor, noticeId, version };
}

async function recorded(db: Db, versionId: number) {
  const rows = await db
    .selectFrom('notice_deliveries as d')
    .innerJoin('sent_messages as m', 'm.id', 'd.sent_message_id')
    .select(['d.resident_id', 'm.recipient'])
    .where('d.notice_version_id', '=', versionId)
    .execute();
  return { rows, residents: new Set(rows.map((r) => r.resident_id)).size };
}

function batchJobs(db: Db) {
  return db.selectFrom('outbox').select(['id', 'payload']).where('job', '=', 'notice-email-batch').orderBy('id').execute();
}

t.test('fan-out twice lists nobody twice; a batch that dies halfway is retried without a second record', async (t) => {
  const { db, version } = await setUp(t);
  const v1 = await version(1);
  t.equal(await fanOutNoticeVersion(db, v1, clock.now()), 1, 'one batch of up to 500');
  t.equal(await fanOutNoticeVersion(db, v1, clock.now()), 0, 'a rerun of the fan-out does nothing');
  t.equal((await batchJobs(db)).length, 1);
  t.equal(Number((await db.selectFrom('notice_deliveries').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n), RESIDENTS);

  const batch = (await batchJobs(db))[0]!.payload as { versionId: number; fromResidentId: number; toResidentId: number };
  const flaky = mailServer(60);
  await t.rejects(sendNoticeEmailBatch(batch, { db, clock, transports: flaky.transports }), /SMTP connection lost/);
  t.equal((await recorded(db, v1)).rows.length, 50, 'the first chunk of 50 is recorded, the broken one rolled back');

  const healthy = mailServer();
  t.equal(await sendNoticeEmailBatch(batch, { db, clock, transports: healthy.transports }), RESIDENTS - 50, 'the retry sends the rest');
  t.equal(await sendNoticeEmailBatch(batch, { db, clock, transports: healthy.transports }), 0, 'a duplicate run after success sends nothing');
  const { rows, residents } = await recorded(db, v1);
  t.equal(rows.length, RESIDENTS, 'one record per resident');
  t.equal(residents, RESIDENTS);
  t.equal(healthy.delivered.length, RESIDENTS - 50);
});

t.test('two copies of a batch at once send each email once', async (t) => {
  const { db, version, input, actor, noticeId } = await setUp(t);
  await db.transaction().execute((trx) => updateNotice(trx, noticeId, { ...input, body: 'Воды нет до утра.' }, actor));
  const v2 = await version(2);
  await fanOutNoticeVersion(db, v2, clock.now());
  const batch = (await batchJobs(db)).map((j) => j.payload as { versionId: number; fromResidentId: number; toResidentId: number }).find((p) => p.versionId === v2)!;
  const server = mailServer();
  const sent = await Promise.all([1, 2, 3].map(() => sendNoticeEmailBatch(batch, { db, clock, transports: server.transports })));
  t.equal(sent.reduce((a, b) => a + b, 0), RESIDENTS);
  t.equal(server.delivered.length, RESIDENTS, 'the mail server saw each resident once');
  t.equal(new Set(server.delivered).size, RESIDENTS);
  t.equal((await recorded(db, v2)).rows.length, RESIDENTS);
});

t.test('through BullMQ: a job that fails is retried and every resident is recorded once', async (t) => {
  const { db, version } = await setUp(t);
  const server = mailServer(30);
  const runner = new JobRunner({
    db,
    definitions: jobDefinitions,
    context: { db, config, clock, transports: server.transports, log: pino({ level: 'silent' }) },
    redisUrl: TEST_REDIS_URL,
    queuePrefix: uniqueQueuePrefix(),
    runWorkers: true,
    backoffBaseMs: 10,
    intervalMs: 20,
  });
  t.teardown(() => runner.close());
  await runner.start();
  const v1 = await version(1);
  const batch = await eventually(
    () => db.selectFrom('outbox').select(['status', 'attempts']).where('job', '=', 'notice-email-batch').where('status', '=', 'done').executeTakeFirst(),
    30_000,
  );
  t.equal((await recorded(db, v1)).rows.length, RESIDENTS);
  t.equal(batch.attempts, 2, 'the batch job ran a second time');
  t.equal((await recorded(db, v1)).residents, RESIDENTS);
  t.equal(new Set(server.delivered).size, RESIDENTS);
});
