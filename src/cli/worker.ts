// npm run worker — BullMQ workers for the jobs the web processes relay from the outbox.
import closeWithGrace from 'close-with-grace';
import pino from 'pino';
import { configOrExit, dbFor } from '../boot.js';
import { jobDefinitions } from '../jobs/registry.js';
import { JobRunner } from '../jobs/runner.js';
import { createTransports } from '../messaging/transports.js';
import { createClock } from '../lib/calendar.js';

const config = configOrExit();
if (!config.redisUrl) {
  console.error('REDIS_URL is not set: without Redis the web process runs jobs itself, no worker is needed.');
  process.exit(1);
}
const db = dbFor(config);
const log = pino({ level: config.logLevel });
const runner = new JobRunner({
  db,
  definitions: jobDefinitions,
  context: { db, config, clock: createClock(config.appToday), transports: createTransports(config), log },
  redisUrl: config.redisUrl,
  queuePrefix: config.queuePrefix,
  runWorkers: true,
  intervalMs: config.relayIntervalMs,
});
// The worker relays too, so jobs flow even while no web process is up.
await runner.start();
log.info('worker started');
closeWithGrace({ delay: 15_000 }, async () => {
  await runner.close();
  await db.destroy();
});
