// npm run bench:billing -- [accounts]   (default 100 000; needs a non-production Postgres in DATABASE_URL)
// Creates a scratch database next to DATABASE_URL's, seeds the accounts with meters
// and a year of readings (and two earlier bills, some unpaid, so penalties are
// computed), then times one bill run for the last month and drops the database.
// BENCH_REUSE=<name>: keep the scratch database under that name and, when it already
// exists, skip the seeding and only remove the bills of the timed period before the run
// (quick repeated runs while tuning; a fresh database is what the README figures are from).
import pg from 'pg';
import { sql } from 'kysely';
import { configOrExit } from '../boot.js';
import { createDb } from '../db/index.js';
import { migrateToLatest } from '../db/migrator.js';
import { DEMO_PROVIDER } from '../features/accounts/seed.js';
import { seedPayees } from '../features/billing/seed.js';
import { RUN_CONNECTIONS, runBilling, type StepTimings } from '../features/billing/run.js';

const config = configOrExit();
if (config.isProduction || !config.databaseUrl) {
  console.error('bench:billing runs only against a non-production Postgres (set DATABASE_URL).');
  process.exit(1);
}
const accounts = Number(process.argv[2] ?? 100_000);
const blockSize = Number(process.env.BLOCK_SIZE ?? 5000);
const connections = Number(process.env.CONNECTIONS ?? RUN_CONNECTIONS);
const PERIOD = '2026-11-01';
const reuse = process.env.BENCH_REUSE;
if (reuse !== undefined && !/^[a-z_][a-z0-9_]*$/.test(reuse)) {
  console.error('BENCH_REUSE is a database name of lower-case letters, digits and underscores.');
  process.exit(1);
}
const scratch = reuse ?? `zhku_bench_billing_${process.pid}`;
const adminUrl = new URL(config.databaseUrl);
const scratchUrl = new URL(config.databaseUrl);
scratchUrl.pathname = `/${scratch}`;

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl.toString() });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

async function databaseExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl.toString() });
  await client.connect();
  try {
    return (await client.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
  } finally {
    await client.end();
  }
}

const reused = reuse !== undefined && (await databaseExists(scratch));
if (!reused) await admin(`create database ${scratch}`);
const db = createDb({ databaseUrl: scratchUrl.toString() });
try {
  await migrateToLatest(db);
  if (reused) {
    await sql`delete from bill_lines where bill_id in (select id from bills where period = ${PERIOD}::date)`.execute(db);
    await sql`delete from bills where period = ${PERIOD}::date`.execute(db);
    await sql`vacuum analyze`.execute(db);
    console.log(`bench:billing: reusing ${scratch} (bills of ${PERIOD} removed)`);
  } else await seed();

  const started = process.hrtime.bigint();
  const timings: StepTimings = new Map();
  const result = await runBilling(db, { period: PERIOD, now: new Date(), blockSize, connections, timings });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const lines = await db.selectFrom('bill_lines').innerJoin('bills', 'bills.id', 'bill_lines.bill_id').select((eb) => eb.fn.countAll<number>().as('n')).where('bills.period', '=', PERIOD).executeTakeFirstOrThrow();
  const withPenalty = await db.selectFrom('bills').select((eb) => eb.fn.countAll<number>().as('n')).where('period', '=', PERIOD).where('penalty_kopecks', '>', 0).executeTakeFirstOrThrow();
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(
    `bench:billing: ${result.bills} bills (${Number(lines.n)} lines, ${Number(withPenalty.n)} with a penalty) for ${result.accounts} accounts ` +
      `in ${seconds.toFixed(1)} s — ${Math.round(result.accounts / seconds)} accounts/s, ${Math.round(Number(lines.n) / seconds)} lines/s; ` +
      `blocks of ${blockSize} on ${connections} connections; peak RSS of this process ${peakRssMb.toFixed(0)} MB`,
  );
  console.log(`bench:billing: time per step, summed over blocks: ${[...timings].map(([step, ms]) => `${step} ${(ms / 1000).toFixed(1)} s`).join(', ')}`);
} finally {
  await db.destroy();
  if (reuse === undefined) await admin(`drop database if exists ${scratch}`);
}

async function seed(): Promise<void> {
  const seeding = Date.now();
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('providers').values({ name: DEMO_PROVIDER, inn: '7710000008' }).execute();
    await seedPayees(trx);
    const provider = await trx.selectFrom('providers').select('id').executeTakeFirstOrThrow();
    await sql`insert into buildings (unom, address) select 100000 + g, 'г. Москва, нагрузочная ул., д. ' || g from generate_series(1, ceil(${accounts}::numeric / 100)::int) g`.execute(trx);
    await sql`
      insert into premises (building_id, flat_number, area, residents_count)
      select b.id, f::text, 30 + (f % 60), 1 + (f % 4) from buildings b cross join generate_series(1, 100) f`.execute(trx);
    await sql`
      insert into payer_accounts (payer_code, provider_id, premises_id)
      select lpad((8000000000 + p.id)::text, 10, '0'), ${provider.id}, p.id from premises p order by p.id limit ${accounts}`.execute(trx);
    await sql`
      insert into meters (payer_account_id, resource, serial_number, zones, next_verification_date, installed_on, initial_t1, initial_t2)
      select pa.id, r.resource, 'B' || pa.id || '-' || r.resource, r.zones, date '2030-01-01', date '2025-10-01', 0, case when r.zones = 2 then 0 end
      from payer_accounts pa cross join (values ('cold_water', 1), ('hot_water', 1), ('electricity', 2)) r(resource, zones)`.execute(trx);
    // A year of readings; one account in ten skipped the last two months (billed by the average).
    await sql`
      insert into meter_readings (meter_id, period, value_t1, value_t2, submitted_at)
      select m.id, (date '2025-12-01' + make_interval(months => k))::date,
             (k + 1) * case m.resource when 'electricity' then 120 when 'cold_water' then 6.5 else 3.25 end,
             case when m.zones = 2 then (k + 1) * 55 end, now()
      from meters m cross join generate_series(0, 11) k
      where k < 10 or m.payer_account_id % 10 <> 0`.execute(trx);
    // Two earlier bills; one account in five left September unpaid (a penalty by November's end).
    await sql`
      insert into bills (payer_account_id, period, due_date, charged_kopecks, amount_due_kopecks, issued_at)
      select pa.id, p.period, (p.period + interval '1 month 14 days')::date, 650000, 650000, now()
      from payer_accounts pa cross join (values (date '2026-09-01'), (date '2026-10-01')) p(period)`.execute(trx);
    await sql`
      insert into payments (payer_account_id, paid_on, amount_kopecks, method)
      select pa.id, date '2026-10-08', 650000, 'card' from payer_accounts pa where pa.id % 5 <> 0
      union all
      select pa.id, date '2026-11-08', 650000, 'card' from payer_accounts pa where pa.id % 5 <> 0`.execute(trx);
  });
  await sql`analyze`.execute(db);
  console.log(`bench:billing: seeded ${accounts} accounts (3 meters each, a year of readings) in ${((Date.now() - seeding) / 1000).toFixed(1)} s`);
}
