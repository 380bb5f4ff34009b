import t from 'tap';
import { mkdirSync, existsSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { uploadDir } from '../../src/features/identity/service.js';
import { identityRetentionJob } from '../../src/features/identity/jobs.js';
import { sql } from 'kysely';
import { JobRunner } from '../../src/jobs/runner.js';
import { testApp } from '../fixtures/app.js';

t.test('partial uploads left by a killed process are deleted at start-up and by the retention job; live ones stay', async (t) => {
  const { app, db, config, clock } = await testApp(t.teardown, { redis: false });
  const dir = uploadDir(config);
  mkdirSync(dir, { recursive: true });
  const leftover = (name: string, ageMs: number) => {
    const file = path.join(dir, name);
    writeFileSync(file, 'partial');
    const at = new Date(Date.now() - ageMs);
    utimesSync(file, at, at);
    return file;
  };
  const old = leftover('11111111-1111-4111-8111-111111111111.part', 2 * 3600_000);
  const young = leftover('22222222-2222-4222-8222-222222222222.part', 60_000);
  const stored = leftover('33333333-3333-4333-8333-333333333333.pdf', 2 * 3600_000);
  await identityRetentionJob.handle({}, { db, config, clock, log: app.log, transports: { sendEmail: async () => {}, sendSms: async () => {} } });
  t.notOk(existsSync(old), 'an hour-old partial file is gone');
  t.ok(existsSync(young), 'an upload that may still be under way stays');
  t.ok(existsSync(stored), 'stored documents are not touched');

  // Start-up does the same, before the first request.
  const again = leftover('44444444-4444-4444-8444-444444444444.part', 2 * 3600_000);
  const restarted = await testApp(t.teardown, { redis: false, env: { DATA_DIR: config.dataDir } });
  t.ok(restarted.app);
  t.notOk(existsSync(again), 'removed when the next process starts');
});

t.test('a message in flight when its process died is handed out again after a minute, not ten', async (t) => {
  // The app's own relay stays off: it would race this test's runner for the reclaimed row.
  const { db, config, clock, app } = await testApp(t.teardown, { redis: false, startJobs: false });
  const runs: unknown[] = [];
  const jobs = new JobRunner({
    db,
    definitions: [{ name: 'in-flight', handle: async (payload) => void runs.push(payload) }],
    context: { db, config, clock, log: app.log, transports: { sendEmail: async () => {}, sendSms: async () => {} } },
  });
  const row = (seconds: number) =>
    db
      .insertInto('outbox')
      .values({ job: 'in-flight', payload: JSON.stringify({ seconds }), status: 'dispatched', dispatched_at: sql<Date>`now() - ${seconds} * interval '1 second'` })
      .returning('id')
      .executeTakeFirstOrThrow();
  await row(61);
  await row(30);
  await jobs.relayOnce();
  t.same(runs, [{ seconds: 61 }], 'dispatched 61 s ago by a dead process: sent again; 30 s ago: may still be under way');
});
