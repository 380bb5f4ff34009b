import t from 'tap';
import pino from 'pino';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { loadConfig } from '../../src/config.js';
import { listenerFor, type Db } from '../../src/db/index.js';
import { enqueueJob } from '../../src/jobs/outbox.js';
import { JobRunner } from '../../src/jobs/runner.js';
import type { JobDefinition } from '../../src/jobs/types.js';
import { createClock } from '../../src/lib/calendar.js';
import { createTransports } from '../../src/messaging/transports.js';
import { eventually } from '../fixtures/app.js';
import { TEST_REDIS_URL, freshDatabase, uniqueQueuePrefix } from '../fixtures/database.js';

const config = loadConfig({ NODE_ENV: 'test', SESSION_SECRET: 'x'.repeat(40) });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts the statements a Kysely instance sends. */
class StatementCounter implements KyselyPlugin {
  count = 0;
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.count += 1;
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

/** Resolves with the time from now until `done` holds, checked on every event-loop turn. */
async function msUntil(done: () => boolean, timeoutMs = 10_000): Promise<number> {
  const started = performance.now();
  while (!done()) {
    if (performance.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
  return performance.now() - started;
}

function startRelay(db: Db, counter: StatementCounter, definition: JobDefinition, queue: boolean) {
  const runner = new JobRunner({
    db: db.withPlugin(counter),
    definitions: [definition],
    context: { db, config, clock: createClock(), transports: createTransports(config), log: pino({ level: 'silent' }) },
    // A poll would come a minute late: only NOTIFY can explain a quick pick-up.
    intervalMs: 60_000,
    listen: listenerFor(db),
    ...(queue ? { redisUrl: TEST_REDIS_URL, queuePrefix: uniqueQueuePrefix(), runWorkers: true } : {}),
  });
  return runner;
}

for (const queue of [false, true]) {
  const mode = queue ? 'BullMQ' : 'in-process';
  t.test(`${mode}: an idle relay sends no statement, and NOTIFY brings a new row to its job at once`, async (t) => {
    const { db } = await freshDatabase(t.teardown);
    const runs: unknown[] = [];
    const definition: JobDefinition = { name: 'wake', handle: async (payload) => void runs.push(payload) };
    const counter = new StatementCounter();
    const runner = startRelay(db, counter, definition, queue);
    t.teardown(() => runner.close());
    await runner.start();
    await sleep(500); // the first pass at start
    counter.count = 0;
    await sleep(1500);
    t.equal(counter.count, 0, 'no statement in 1.5 s of idleness (the old relay sent four every 200 ms)');

    const inserted = db.transaction().execute((trx) => enqueueJob(trx, 'wake', { n: 1 }));
    const relayedMs = await msUntil(() => counter.count > 0);
    await inserted;
    const ranMs = await msUntil(() => runs.length === 1);
    t.comment(`${mode}: relay woke ${relayedMs.toFixed(0)} ms after the insert began, job ran ${ranMs.toFixed(0)} ms later (machine load ${(await import('node:os')).loadavg()[0]!.toFixed(1)})`);
    t.ok(relayedMs < 1000, `the relay woke ${relayedMs.toFixed(0)} ms after the commit`);
    t.same(runs, [{ n: 1 }]);
    const row = await eventually(async () => (await db.selectFrom('outbox').select('status').where('status', '=', 'done').executeTakeFirst()) ?? null);
    t.equal(row.status, 'done', 'the row is done, once');
  });
}

t.test('without a way to listen the relay polls every intervalMs, as before', async (t) => {
  const { db } = await freshDatabase(t.teardown);
  const runs: unknown[] = [];
  const runner = new JobRunner({
    db,
    definitions: [{ name: 'poll', handle: async (payload) => void runs.push(payload) }],
    context: { db, config, clock: createClock(), transports: createTransports(config), log: pino({ level: 'silent' }) },
    intervalMs: 50,
    listen: null,
  });
  t.teardown(() => runner.close());
  await runner.start();
  await db.transaction().execute((trx) => enqueueJob(trx, 'poll', { n: 2 }));
  await msUntil(() => runs.length === 1);
  t.same(runs, [{ n: 2 }]);
});
