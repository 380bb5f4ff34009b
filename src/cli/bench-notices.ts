// npm run bench:notices -- [residents]   (default 10 000)
// Publishing one notice to a block of buildings with that many linked residents: the
// time until every email is recorded as sent, with Redis and one worker process
// (`src/cli/worker.ts`). Needs Postgres and Redis (DATABASE_URL and REDIS_URL, local
// ones by default); works in a scratch database it creates and drops. Without
// SMTP_URL the worker only records each email, as the development mode does.
import { spawn } from 'node:child_process';
import pg from 'pg';
import { sql } from 'kysely';
import { createDb } from '../db/index.js';
import { migrateToLatest } from '../db/migrator.js';
import { seedDemoData } from '../db/seed/index.js';
import { publishNotice } from '../features/notices/service.js';
import { moscowDate } from '../lib/calendar.js';

const residents = Number(process.argv[2] ?? 10_000);
const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const scratch = `zhku_bench_notices_${process.pid}`;
const scratchUrl = (() => {
  const url = new URL(serverUrl);
  url.pathname = `/${scratch}`;
  return url.toString();
})();

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

await admin(`create database ${scratch}`);
const db = createDb({ databaseUrl: scratchUrl });
let worker: ReturnType<typeof spawn> | undefined;
try {
  await migrateToLatest(db);
  const now = new Date();
  await seedDemoData(db, moscowDate(now));

  // A block: one street of buildings with 100 flats each, one linked resident per flat.
  const buildings = Math.ceil(residents / 100);
  await db.transaction().execute(async (trx) => {
    const provider = (await trx.selectFrom('providers').select('id').orderBy('id').executeTakeFirstOrThrow()).id;
    await sql`insert into buildings (unom, address) select 500000 + g, 'г. Москва, Нагрузочный пр., д. ' || g from generate_series(1, ${buildings}) g`.execute(trx);
    await sql`
      insert into premises (building_id, flat_number, area, residents_count)
      select b.id, f::text, 30 + (f % 60), 1 + (f % 4) from buildings b cross join generate_series(1, 100) f where b.unom > 500000`.execute(trx);
    await sql`
      insert into payer_accounts (payer_code, provider_id, premises_id)
      select lpad((8000000000 + p.id)::text, 10, '0'), ${provider}, p.id
      from premises p join buildings b on b.id = p.building_id where b.unom > 500000 order by p.id limit ${residents}`.execute(trx);
    await sql`
      insert into residents (email, phone, password_hash, email_confirmed_at, identity_status)
      select 'bench-' || pa.id || '@example.ru', '+7916' || lpad(pa.id::text, 7, '0'), 'not-a-login', now(), 'confirmed'
      from payer_accounts pa where pa.payer_code like '8%'`.execute(trx);
    await sql`
      insert into account_links (resident_id, requested_payer_code, requested_provider_id, requested_flat, consented_at, payer_account_id, status, decided_at)
      select r.id, pa.payer_code, pa.provider_id, p.flat_number, now(), pa.id, 'approved', now()
      from payer_accounts pa join premises p on p.id = pa.premises_id join residents r on r.email = 'bench-' || pa.id || '@example.ru'`.execute(trx);
  });
  await sql`analyze`.execute(db);

  worker = spawn(process.execPath, ['--import', 'tsx', 'src/cli/worker.ts'], {
    env: { ...process.env, DATABASE_URL: scratchUrl, REDIS_URL: redisUrl, QUEUE_PREFIX: `bench-notices-${process.pid}`, LOG_LEVEL: 'info', RELAY_INTERVAL_MS: '50' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // The clock starts once the worker says it has started, not while it loads.
  await new Promise<void>((resolve, reject) => {
    worker!.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('worker started')) resolve();
    });
    worker!.once('exit', () => reject(new Error('the worker exited')));
  });

  const staffId = (await db.selectFrom('staff').select('id').where('email', '=', 'dispatcher@demo.local').executeTakeFirstOrThrow()).id;
  const block = (await db.selectFrom('buildings').select('id').where('unom', '>', 500000).execute()).map((b) => b.id);
  const started = Date.now();
  const noticeId = await db.transaction().execute((trx) =>
    publishNotice(
      trx,
      {
        kind: 'planned', resource: 'cold_water', buildingIds: block, startsAt: new Date(now.getTime() + 86_400_000), endsAt: new Date(now.getTime() + 90_000_000),
        supplier: 'АО «Мосводоканал»', reason: 'Замена задвижки', body: 'Холодной воды не будет с 10:00 до 11:00.', longOutageConfirmed: false,
      },
      { staffId, ip: '127.0.0.1', now, publicUrl: 'http://localhost:3000' },
    ),
  );
  const published = Date.now() - started;
  let fannedOut = 0;
  for (;;) {
    const row = await db
      .selectFrom('notice_deliveries as d')
      .innerJoin('notice_versions as v', 'v.id', 'd.notice_version_id')
      .select((eb) => [eb.fn.countAll<number>().as('total'), eb.fn.count<number>('d.sent_at').as('sent')])
      .where('v.notice_id', '=', noticeId)
      .executeTakeFirstOrThrow();
    const total = Number(row.total);
    if (total > 0 && !fannedOut) fannedOut = Date.now() - started;
    if (total >= residents && Number(row.sent) === total) break;
    if (worker.exitCode !== null) throw new Error('the worker exited');
    if (Date.now() - started > 15 * 60_000) throw new Error(`not done after 15 minutes: ${row.sent} of ${total} sent`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const done = Date.now() - started;
  const batches = await db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).where('job', '=', 'notice-email-batch').executeTakeFirstOrThrow();
  const recorded = await db.selectFrom('sent_messages').select((eb) => eb.fn.countAll<number>().as('n')).where('recipient', 'like', 'bench-%').executeTakeFirstOrThrow();
  console.log(
    `bench:notices: ${residents} residents in ${buildings} buildings, one worker: published in ${seconds(published)}, ` +
      `recipients listed after ${seconds(fannedOut)}, ${Number(batches.n)} batch jobs, all ${Number(recorded.n)} emails recorded as sent after ${seconds(done)} ` +
      `(${Math.round(residents / (done / 1000))} per second)`,
  );
} finally {
  if (worker && worker.exitCode === null) {
    const exited = new Promise((resolve) => worker!.once('exit', resolve));
    worker.kill('SIGTERM');
    await exited;
  }
  await db.destroy();
  await admin(`drop database if exists ${scratch} with (force)`);
}
