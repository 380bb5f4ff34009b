import t from 'tap';
import pino from 'pino';
import { loadConfig } from '../../src/config.js';
import type { Db } from '../../src/db/index.js';
import { enqueueJob } from '../../src/jobs/outbox.js';
import { JobRunner } from '../../src/jobs/runner.js';
import type { JobDefinition } from '../../src/jobs/types.js';
import { createTransports } from '../../src/messaging/transports.js';
import { createClock } from '../../src/lib/calendar.js';
import { eventually } from '../fixtures/app.js';
import { TEST_REDIS_URL, freshDatabase, uniqueQueuePrefix } from '../fixtures/database.js';

const config = loadConfig({ NODE_ENV: 'test', SESSION_SECRET: 'x'.repeat(40) });

/** A job that counts its runs and fails the first `failures` times. */
function countingJob(name: string, failures = 0) {
  const runs: unknown[] = [];
  const definition: JobDefinition = {
    name,
    async handle(payload) {
      runs.push(payload);
      if (runs.length <= failures) throw new Error(`planned failure ${runs.length}`);
    },
  };
  return { definition, runs };
}

function runner(db: Db, definitions: JobDefinition[], queue: boolean, extra: Partial<ConstructorParameters<typeof JobRunner>[0]> = {}) {
  return new JobRunner({
    db,
    definitions,
    context: { db, config, clock: createClock(), transports: createTransports(config), log: pino({ level: 'silent' }) },
    backoffBaseMs: 10,
    intervalMs: 20,
    ...(queue ? { redisUrl: TEST_REDIS_URL, queuePrefix: uniqueQueuePrefix(), runWorkers: true } : {}),
    ...extra,
  });
}

async function enqueue(db: Db, job: string, payload: unknown): Promise<number> {
  return db.transaction().execute((trx) => enqueueJob(trx, job, payload));
}

const outboxRow = (db: Db, id: number) => db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

t.test('in-process: a row relayed twice, even by two runners at once, runs once', async (t) => {
  const { db } = await freshDatabase(t.teardown);
  const job = countingJob('count');
  const a = runner(db, [job.definition], false);
  const b = runner(db, [job.definition], false);
  const id = await enqueue(db, 'count', { n: 1 });
  const handled = await Promise.all([a.relayOnce(), b.relayOnce(), a.relayOnce()]);
  t.equal(handled.reduce((x, y) => x + y, 0), 1);
  t.same(job.runs, [{ n: 1 }]);
  t.equal((await outboxRow(db, id)).status, 'done');
  t.equal(await a.relayOnce(), 0);
  t.equal(job.runs.length, 1);
});

t.test('in-process: a failing handler is retried with backoff, then marked failed', async (t) => {
  const { db } = await freshDatabase(t.teardown);
  const flaky = countingJob('flaky', 2);
  const broken = countingJob('broken', 99);
  // A backoff long enough that one pass (two rows) never reaches the retry, even on a loaded machine.
  const jobs = runner(db, [flaky.definition, broken.definition], false, { maxAttempts: 3, backoffBaseMs: 200 });
  const flakyId = await enqueue(db, 'flaky', {});
  const brokenId = await enqueue(db, 'broken', {});
  await jobs.relayOnce();
  const afterFirst = await outboxRow(db, flakyId);
  t.equal(afterFirst.status, 'pending');
  t.equal(afterFirst.attempts, 1);
  t.match(afterFirst.last_error, /planned failure 1/);
  t.ok(afterFirst.available_at.getTime() > Date.now() - 1000, 'waits before the next try');

  await eventually(async () => {
    await jobs.relayOnce();
    return (await outboxRow(db, flakyId)).status === 'done' && (await outboxRow(db, brokenId)).status === 'failed';
  });
  t.equal(flaky.runs.length, 3, 'two failures, then success');
  const failed = await outboxRow(db, brokenId);
  t.equal(failed.attempts, 3);
  t.match(failed.last_error, /planned failure 3/);
  t.ok(failed.finished_at, 'failed jobs are visible with their error');
  t.equal(broken.runs.length, 3);
});

t.test('in-process: a crash between commit and relay loses nothing', async (t) => {
  const { db } = await freshDatabase(t.teardown);
  const job = countingJob('after-crash');
  // The row committed, but no relay ever ran in the process that wrote it.
  const id = await enqueue(db, 'after-crash', { important: true });
  const restarted = runner(db, [job.definition], false);
  await restarted.start();
  t.teardown(() => restarted.close());
  await eventually(async () => (await outboxRow(db, id)).status === 'done');
  t.same(job.runs, [{ important: true }]);
});

t.test('in-process: a row left dispatched by a process that died mid-job runs again', async (t) => {
  const { db } = await freshDatabase(t.teardown);
  const job = countingJob('orphaned');
  const id = await enqueue(db, 'orphaned', { n: 1 });
  const fresh = await enqueue(db, 'orphaned', { n: 2 });
  // Claimed by a process that never finished: one long ago, one a moment ago (maybe still running).
  await db.updateTable('outbox').set({ status: 'dispatched', dispatched_at: new Date(Date.now() - 3600_000) }).where('id', '=', id).execute();
  await db.updateTable('outbox').set({ status: 'dispatched', dispatched_at: new Date() }).where('id', '=', fresh).execute();
  const restarted = runner(db, [job.definition], false);
  t.equal(await restarted.relayOnce(), 1);
  t.same(job.runs, [{ n: 1 }]);
  t.equal((await outboxRow(db, id)).status, 'done');
  t.equal((await outboxRow(db, fresh)).status, 'dispatched', 'a row in flight is left to its process');
});

t.test('in-process: on close the relay finishes the job in hand and leaves the rest pending', async (t) => {
  const { db } = await freshDatabase(t.teardown);
  const runs: unknown[] = [];
  let closing: Promise<void> | undefined;
  const r = runner(db, [
    {
      name: 'slow',
      async handle(payload) {
        runs.push(payload);
        closing ??= r.close();
      },
    },
  ], false);
  const ids = [];
  for (let n = 1; n <= 3; n += 1) ids.push(await enqueue(db, 'slow', { n }));
  t.equal(await r.relayOnce(), 1);
  await closing;
  t.same(runs, [{ n: 1 }]);
  t.equal((await outboxRow(db, ids[0]!)).status, 'done');
  t.equal((await outboxRow(db, ids[2]!)).status, 'pending');
});

t.test('in-process: close waits for a recurring job under way', async (t) => {
  const { db } = await freshDatabase(t.teardown);
  let started = false;
  let finished = false;
  const r = runner(db, [
    {
      name: 'sweep',
      every: 10,
      async handle() {
        if (started) return;
        started = true;
        await new Promise((resolve) => setTimeout(resolve, 200));
        finished = true;
      },
    },
  ], false);
  await r.start({ relay: false });
  await eventually(async () => started);
  await r.close();
  t.ok(finished, 'the run in hand finished before close() resolved');
});

t.test('BullMQ: rows go through Redis to the worker once, even when handed over twice', async (t) => {
  const { db } = await freshDatabase(t.teardown);
  const job = countingJob('queued');
  const jobs = runner(db, [job.definition], true);
  await jobs.start({ relay: false });
  t.teardown(() => jobs.close());
  const id = await enqueue(db, 'queued', { via: 'redis' });
  t.equal(await jobs.relayOnce(), 1);
  t.equal((await outboxRow(db, id)).status === 'dispatched' || (await outboxRow(db, id)).status === 'done', true);
  await eventually(async () => (await outboxRow(db, id)).status === 'done');
  // As if the relay died after the enqueue but before marking the row: it is handed over again.
  await db.updateTable('outbox').set({ status: 'pending' }).where('id', '=', id).execute();
  t.equal(await jobs.relayOnce(), 1);
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.same(job.runs, [{ via: 'redis' }], 'the handler ran once');
});

t.test('BullMQ: a failing handler is retried by the worker, then the row is marked failed', async (t) => {
  const { db } = await freshDatabase(t.teardown);
  const flaky = countingJob('queued-flaky', 1);
  const broken = countingJob('queued-broken', 99);
  const jobs = runner(db, [flaky.definition, broken.definition], true, { maxAttempts: 3 });
  await jobs.start();
  t.teardown(() => jobs.close());
  const flakyId = await enqueue(db, 'queued-flaky', {});
  const brokenId = await enqueue(db, 'queued-broken', {});
  await eventually(async () => (await outboxRow(db, flakyId)).status === 'done');
  t.equal(flaky.runs.length, 2);
  await eventually(async () => (await outboxRow(db, brokenId)).status === 'failed');
  const failed = await outboxRow(db, brokenId);
  t.match(failed.last_error, /planned failure 3/);
  t.equal(broken.runs.length, 3);
});

t.test('BullMQ: a crash between commit and enqueue loses nothing', async (t) => {
  const { db } = await freshDatabase(t.teardown);
  const job = countingJob('queued-after-crash');
  const id = await enqueue(db, 'queued-after-crash', { kept: 1 });
  const jobs = runner(db, [job.definition], true);
  await jobs.start();
  t.teardown(() => jobs.close());
  await eventually(async () => (await outboxRow(db, id)).status === 'done');
  t.same(job.runs, [{ kept: 1 }]);
});
