// npm run bench:seed -- [accounts]   (default 100 000; needs DATABASE_URL, never production)
// Adds a city-sized district to a migrated database: buildings, flats, payer accounts
// with a year of bills, residents with links (one in twenty waiting for approval),
// meters with a year of readings — so that EXPLAIN on the busiest pages shows real plans.
// Timestamps are spread the way real traffic spreads them (requests over weeks, readings
// on different days of the window): equal timestamps make the planner's estimates lie.
import { sql } from 'kysely';
import { configOrExit, dbFor } from '../boot.js';

const config = configOrExit();
if (config.isProduction || !config.databaseUrl) {
  console.error('bench:seed runs only against a non-production Postgres (set DATABASE_URL).');
  process.exit(1);
}
const accounts = Number(process.argv[2] ?? 100_000);
const db = dbFor(config);
const started = Date.now();
try {
  await db.transaction().execute(async (trx) => {
    const provider = await trx
      .insertInto('providers')
      .values({ name: `ГБУ «Жилищник» (нагрузочный ${Date.now()})`, inn: '7799999999' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const base = (await sql<{ n: number }>`select coalesce(max(unom), 0)::int as n from buildings`.execute(trx)).rows[0]!.n;
    // 100 flats per building.
    await sql`
      insert into buildings (unom, address)
      select ${base} + 100000 + g, 'г. Москва, нагрузочная ул., д. ' || g
      from generate_series(1, ceil(${accounts}::numeric / 100)::int) g`.execute(trx);
    await sql`
      insert into premises (building_id, flat_number, area, residents_count)
      select b.id, f::text, 30 + (f % 60), 1 + (f % 4)
      from buildings b cross join generate_series(1, 100) f
      where b.unom > ${base} + 100000`.execute(trx);
    await sql`
      insert into payer_accounts (payer_code, provider_id, premises_id)
      select lpad((8000000000 + p.id)::text, 10, '0'), ${provider.id}, p.id
      from premises p join buildings b on b.id = p.building_id
      where b.unom > ${base} + 100000
      order by p.id limit ${accounts}`.execute(trx);
    await sql`
      insert into bills (payer_account_id, period, due_date, charged_kopecks, amount_due_kopecks, balance_forward_kopecks, paid_kopecks)
      select pa.id, (date '2025-11-01' + make_interval(months => m))::date,
             (date '2025-12-15' + make_interval(months => m))::date, 650000 + (pa.id % 1000) * 10, 650000, 0, 650000
      from payer_accounts pa cross join generate_series(0, 11) m
      where pa.provider_id = ${provider.id}`.execute(trx);
    // Residents registered over the last two years, a few minutes apart.
    await sql`
      insert into residents (email, phone, password_hash, email_confirmed_at, identity_status, created_at)
      select 'bench-' || pa.id || '@example.ru', '+7916' || lpad(pa.id::text, 7, '0'), 'not-a-login',
             now() - make_interval(secs => (pa.id::bigint * 7919) % (2 * 365 * 86400)),
             case when pa.id % 50 = 0 then 'pending' else 'confirmed' end,
             now() - make_interval(secs => (pa.id::bigint * 7919) % (2 * 365 * 86400) + 600)
      from payer_accounts pa where pa.provider_id = ${provider.id}`.execute(trx);
    // Link requests a little after registration; pending ones arrived over the last three weeks,
    // each at its own second, decided ones were decided a day or so later.
    await sql`
      insert into account_links (resident_id, requested_payer_code, requested_provider_id, requested_flat, consented_at,
                                 payer_account_id, status, decided_at, created_at)
      select r.id, pa.payer_code, pa.provider_id, p.flat_number, t.at, pa.id,
             case when pa.id % 20 = 0 then 'pending' else 'approved' end,
             case when pa.id % 20 = 0 then null else t.at + make_interval(secs => 3600 + pa.id % 86400) end, t.at
      from payer_accounts pa join premises p on p.id = pa.premises_id
      join residents r on r.email = 'bench-' || pa.id || '@example.ru'
      cross join lateral (select case when pa.id % 20 = 0
                                      then now() - make_interval(secs => (pa.id::bigint * 104729) % (21 * 86400))
                                      else r.created_at + make_interval(secs => 1800 + pa.id % 7200) end as at) t
      where pa.provider_id = ${provider.id}`.execute(trx);
    await sql`
      insert into meters (payer_account_id, resource, serial_number, zones, next_verification_date, installed_on, initial_t1)
      select pa.id, res, 'B' || pa.id || '-' || res, 1, date '2030-01-01', date '2024-01-01', 0
      from payer_accounts pa cross join unnest(array['cold_water', 'hot_water']) res
      where pa.provider_id = ${provider.id}`.execute(trx);
    await sql`
      insert into meter_readings (meter_id, period, value_t1, submitted_at, submitted_by)
      select m.id, (date '2025-11-01' + make_interval(months => k))::date, 3.5 * (k + 1),
             -- on some day from the 15th to the 25th of the month, at its own minute
             (date '2025-11-15' + make_interval(months => k, days => m.id % 11, mins => (m.id * 37) % 1440))::timestamptz,
             l.resident_id
      from meters m join account_links l on l.payer_account_id = m.payer_account_id
      cross join generate_series(0, 11) k
      where m.serial_number like 'B%'`.execute(trx);
  });
  await sql`analyze`.execute(db);
  console.log(`bench:seed: ${accounts} accounts with bills, residents, links, meters and readings in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} finally {
  await db.destroy();
}
