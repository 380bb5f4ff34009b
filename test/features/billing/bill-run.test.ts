import t from 'tap';
import type { Db } from '../../../src/db/index.js';
import { DEMO_PROVIDER } from '../../../src/features/accounts/seed.js';
import { seedPayees } from '../../../src/features/billing/seed.js';
import { runBilling } from '../../../src/features/billing/run.js';
import { billLastMonthIfDue } from '../../../src/features/billing/bill-runs.js';
import { freshDatabase } from '../../fixtures/database.js';

// A small building billed for March 2030 with round tariffs from 2030-01-01, every
// figure computed by hand below. The norms and multipliers are the migration's:
// cold 6.935 m³ (×3), hot 4.745 m³ (×1.5), drainage ×1.5, electricity 98 kWh (×1.5),
// gas 10 m³, heating 0.0163 Гкал per m². Key rate 11 % (the last row), no cap after 2027.
const PERIOD = '2030-03-01';
const NOW = new Date('2030-04-04T06:00:00Z');

const TARIFFS: [string, number, string, number][] = [
  ['maintenance', 1, 'T1', 3000], ['heating', 1, 'T1', 200000], ['cold_water', 1, 'T1', 5000], ['hot_water', 1, 'T1', 20000],
  ['drainage', 1, 'T1', 4000], ['electricity', 1, 'T1', 600], ['electricity', 2, 'T1', 800], ['electricity', 2, 'T2', 300],
  ['electricity', 3, 'T1', 1000], ['electricity', 3, 'T2', 300], ['electricity', 3, 'T3', 600], ['gas', 1, 'T1', 1000],
  ['capital_repair', 1, 'T1', 2000],
];

async function building(db: Db) {
  return db.transaction().execute(async (trx) => {
    await trx.insertInto('providers').values({ name: DEMO_PROVIDER, inn: '7710000008' }).execute();
    await seedPayees(trx);
    await trx.insertInto('tariffs').values(TARIFFS.map(([service, plan, zone, price_kopecks]) => ({ service, plan, zone: zone as 'T1', price_kopecks, valid_from: '2030-01-01' }))).execute();
    const provider = await trx.selectFrom('providers').select('id').executeTakeFirstOrThrow();
    const b = await trx.insertInto('buildings').values({ unom: 9001, address: 'г. Москва, ул. Проверочная, д. 1' }).returning('id').executeTakeFirstOrThrow();
    const flats = await trx
      .insertInto('premises')
      .values([
        { building_id: b.id, flat_number: '1', area: 50, residents_count: 2 },
        { building_id: b.id, flat_number: '2', area: 40, residents_count: 3 },
        { building_id: b.id, flat_number: '3', area: 30, residents_count: 1 },
      ])
      .returning('id')
      .execute();
    const [a, bb, c] = await trx
      .insertInto('payer_accounts')
      .values(flats.map((f, i) => ({ payer_code: `990000000${i + 1}`, provider_id: provider.id, premises_id: f.id })))
      .returning('id')
      .execute();
    const meter = async (account: number, resource: 'cold_water' | 'hot_water' | 'electricity', zones: number, verified: string, initial: number[]) =>
      (await trx
        .insertInto('meters')
        .values({ payer_account_id: account, resource, serial_number: `${account}-${resource}`, zones, next_verification_date: verified, installed_on: '2029-08-10', initial_t1: initial[0]!, initial_t2: initial[1] ?? null, initial_t3: initial[2] ?? null })
        .returning('id')
        .executeTakeFirstOrThrow()).id;
    const reading = (meter_id: number, period: string, values: number[]) =>
      trx.insertInto('meter_readings').values({ meter_id, period, value_t1: values[0]!, value_t2: values[1] ?? null, value_t3: values[2] ?? null, submitted_at: NOW }).execute();

    // Flat 1: every meter read in February and March; two-zone electricity.
    const a1 = await meter(a!.id, 'cold_water', 1, '2035-01-01', [90]);
    const a2 = await meter(a!.id, 'hot_water', 1, '2035-01-01', [40]);
    const a3 = await meter(a!.id, 'electricity', 2, '2035-01-01', [900, 400]);
    await reading(a1, '2030-02-01', [100]);
    await reading(a1, '2030-03-01', [105.5]);
    await reading(a2, '2030-02-01', [50]);
    await reading(a2, '2030-03-01', [53.25]);
    await reading(a3, '2030-02-01', [1000, 500]);
    await reading(a3, '2030-03-01', [1120, 560]);
    // Flat 2: cold water read September to January (4 m³ a month), then nothing; no hot water or electricity meter.
    const b1 = await meter(bb!.id, 'cold_water', 1, '2035-01-01', [0]);
    for (const [i, period] of ['2029-09-01', '2029-10-01', '2029-11-01', '2029-12-01', '2030-01-01'].entries()) await reading(b1, period, [4 * (i + 1)]);
    // Flat 3: a cold meter out of verification since October 2029, a hot meter never read, three-zone electricity;
    // the area became 31 m² from March, the residents 2 only from April.
    await meter(c!.id, 'cold_water', 1, '2029-10-01', [0]);
    await meter(c!.id, 'hot_water', 1, '2035-01-01', [0]);
    const c3 = await meter(c!.id, 'electricity', 3, '2035-01-01', [0, 0, 0]);
    await reading(c3, '2030-02-01', [100, 50, 70]);
    await reading(c3, '2030-03-01', [130, 60, 90]);
    const resident = await trx.insertInto('residents').values({ email: 'r@example.ru', phone: '+79160000000', password_hash: 'x' }).returning('id').executeTakeFirstOrThrow();
    await trx.insertInto('dwelling_changes').values([
      { payer_account_id: c!.id, area: 31, residents_count: 1, effective_from: '2030-03-01', submitted_by: resident.id, submitted_at: NOW },
      { payer_account_id: c!.id, area: 31, residents_count: 2, effective_from: '2030-04-01', submitted_by: resident.id, submitted_at: NOW },
    ]).execute();

    // Flat 1 owes February's 6 000 ₽ (due 2030-03-15) and paid 4 000 ₽ on 2030-03-10; flat 2 owes December's 3 000 ₽.
    await trx.insertInto('bills').values([
      { payer_account_id: a!.id, period: '2030-02-01', due_date: '2030-03-15', charged_kopecks: 600000, amount_due_kopecks: 600000, issued_at: NOW },
      { payer_account_id: bb!.id, period: '2029-12-01', due_date: '2030-01-15', charged_kopecks: 300000, amount_due_kopecks: 300000, issued_at: NOW },
    ]).execute();
    await trx.insertInto('payments').values({ payer_account_id: a!.id, paid_on: '2030-03-10', amount_kopecks: 400000, method: 'card' }).execute();
    // Two corrections wait for flat 1: an amount, and 10 excess outage hours of hot water at 0.15 % an hour.
    await trx.insertInto('pending_recalculations').values([
      { payer_account_id: a!.id, service: 'maintenance', period: '2030-02-01', reason: 'Перерасчёт за уборку подъезда', amount_kopecks: -5000 },
      { payer_account_id: a!.id, service: 'hot_water', period: PERIOD, reason: 'Отключение горячей воды сверх нормы: 10 ч', excess_hours: 10, percent_per_hour: 0.15, source_key: 'notice:1:hot' },
    ]).execute();
    return { a: a!.id, b: bb!.id, c: c!.id };
  });
}

async function billOf(db: Db, account: number) {
  const bill = await db.selectFrom('bills').selectAll().where('payer_account_id', '=', account).where('period', '=', PERIOD).executeTakeFirstOrThrow();
  const lines = await db
    .selectFrom('bill_lines as l')
    .innerJoin('payees as p', 'p.id', 'l.payee_id')
    .select(['l.service', 'l.zone', 'l.quantity', 'l.tariff_kopecks', 'l.charged_kopecks', 'l.recalculation_kopecks', 'l.recalculation_reason', 'l.total_kopecks', 'l.source', 'p.name as payee'])
    .where('l.bill_id', '=', bill.id)
    .orderBy('l.sort_order')
    .execute();
  const line = (service: string, zone: string | null = null) => {
    const found = lines.find((l) => l.service === service && l.zone === zone);
    if (!found) throw new Error(`no ${service} ${zone ?? ''} line`);
    return [Number(found.quantity), found.tariff_kopecks, found.charged_kopecks, found.source];
  };
  const byPayee = (prefix: string) => lines.filter((l) => l.payee.startsWith(prefix)).reduce((sum, l) => sum + l.total_kopecks, 0);
  return { bill, lines, line, byPayee };
}

t.test('a small building billed for a month, to the kopeck', async (t) => {
  const { db } = await freshDatabase(t.teardown);
  const ids = await building(db);
  const result = await runBilling(db, { period: PERIOD, now: NOW, blockSize: 2 });
  t.same(result, { accounts: 3, bills: 3 }, 'one bill per account, in two blocks');

  const a = await billOf(db, ids.a);
  t.same(a.line('maintenance'), [50, 3000, 150000, 'area']);
  t.same(a.line('heating'), [0.815, 200000, 163000, 'norm'], '50 m² × 0.0163 Гкал');
  t.same(a.line('cold_water'), [5.5, 5000, 27500, 'reading']);
  t.same(a.line('hot_water'), [3.25, 20000, 65000, 'reading']);
  t.same(a.line('drainage'), [8.75, 4000, 35000, 'reading'], 'cold + hot');
  t.same(a.line('electricity', 'T1'), [120, 800, 96000, 'reading'], 'day zone at the two-zone day price');
  t.same(a.line('electricity', 'T2'), [60, 300, 18000, 'reading']);
  t.same(a.line('gas'), [20, 1000, 20000, 'norm'], 'no gas meter, no multiplier for gas');
  t.same(a.line('capital_repair'), [50, 2000, 100000, 'area']);
  const hot = a.lines.find((l) => l.service === 'hot_water')!;
  t.equal(hot.recalculation_kopecks, -975, '10 h × 0.15 % of 650,00 ₽');
  t.equal(hot.total_kopecks, 64025);
  t.match(hot.recalculation_reason, /Отключение горячей воды/);
  t.equal(a.lines.find((l) => l.service === 'maintenance')!.recalculation_kopecks, -5000);
  // Per payee: the managing organisation, the energy retailer, the capital repair fund.
  t.equal(a.byPayee(DEMO_PROVIDER), 150000 + 163000 + 27500 + 65000 + 35000 + 20000 - 975 - 5000);
  t.equal(a.byPayee('АО «Мосэнергосбыт»'), 114000);
  t.equal(a.byPayee('Фонд капитального ремонта'), 100000);
  t.same(
    [a.bill.balance_forward_kopecks, a.bill.charged_kopecks, a.bill.paid_kopecks, a.bill.penalty_kopecks, a.bill.amount_due_kopecks, a.bill.due_date],
    [600000, 668525, 400000, 0, 868525, '2030-04-15'],
    'February is 16 days late on 31 March: still in the grace period',
  );

  const b = await billOf(db, ids.b);
  t.same(b.line('cold_water'), [4, 5000, 20000, 'average'], 'two months without readings: the average of the last six');
  t.same(b.line('hot_water'), [21.353, 20000, 427060, 'norm_raised'], 'no meter: 4.745 × 3 × 1.5');
  t.same(b.line('drainage'), [27.353, 4000, 109412, 'norm_raised'], '(4 + 14.235) × 1.5');
  t.same(b.line('electricity'), [441, 600, 264600, 'norm_raised'], '98 × 3 × 1.5 at the single rate');
  t.same(b.line('gas'), [30, 1000, 30000, 'norm']);
  // December's 3 000 ₽ due 2030-01-15, 75 days late on 31 March: days 31–75 at 11 % / 300 = 49,50 ₽.
  t.same([b.bill.balance_forward_kopecks, b.bill.charged_kopecks, b.bill.penalty_kopecks, b.bill.amount_due_kopecks], [300000, 1181472, 4950, 1486422]);

  const c = await billOf(db, ids.c);
  t.same(c.line('maintenance'), [31, 3000, 93000, 'area'], 'the area in force from March');
  t.same(c.line('cold_water'), [20.805, 5000, 104025, 'norm_raised'], 'verification overdue for more than 3 periods: 6.935 × 3');
  t.same(c.line('hot_water'), [4.745, 20000, 94900, 'norm'], 'a meter never read: the plain norm for one resident');
  t.same(c.line('drainage'), [17.52, 4000, 70080, 'norm_raised']);
  t.same(c.line('electricity', 'T1'), [30, 1000, 30000, 'reading']);
  t.same(c.line('electricity', 'T2'), [10, 300, 3000, 'reading']);
  t.same(c.line('electricity', 'T3'), [20, 600, 12000, 'reading']);
  t.same(c.line('heating'), [0.505, 200000, 101000, 'norm'], '31 × 0.0163 = 0.5053 Гкал, kept to 3 decimals');
  t.equal(c.bill.charged_kopecks, 580005);

  const applied = await db.selectFrom('pending_recalculations').select('applied_bill_id').execute();
  t.ok(applied.every((r) => r.applied_bill_id === a.bill.id), 'both corrections consumed by flat 1’s bill');

  // Idempotent: a second run makes nothing and changes nothing.
  const before = await db.selectFrom('bill_lines').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('total_kopecks').as('sum')]).executeTakeFirstOrThrow();
  t.same(await runBilling(db, { period: PERIOD, now: NOW }), { accounts: 3, bills: 0 });
  const after = await db.selectFrom('bill_lines').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('total_kopecks').as('sum')]).executeTakeFirstOrThrow();
  t.same(after, before);

  // A correction recorded later goes into the next bill, never into the issued one.
  await db.insertInto('pending_recalculations').values({ payer_account_id: ids.c, service: 'gas', period: PERIOD, reason: 'Ошибка в числе проживающих', amount_kopecks: -10000 }).execute();
  await runBilling(db, { period: '2030-04-01', now: NOW });
  t.equal((await billOf(db, ids.c)).bill.charged_kopecks, 580005, 'the March bill is unchanged');
  const april = await db.selectFrom('bills').innerJoin('bill_lines as l', 'l.bill_id', 'bills.id').select(['l.recalculation_kopecks', 'l.recalculation_reason'])
    .where('bills.payer_account_id', '=', ids.c).where('bills.period', '=', '2030-04-01').where('l.service', '=', 'gas').executeTakeFirstOrThrow();
  t.same([april.recalculation_kopecks, april.recalculation_reason], [-10000, 'Ошибка в числе проживающих']);
});

t.test('a period without a tariff fails the run with a message, and writes nothing', async (t) => {
  const { db } = await freshDatabase(t.teardown);
  await building(db);
  await t.rejects(runBilling(db, { period: '2020-01-01', now: NOW }), /Нет тарифа на услугу/);
  t.equal((await db.selectFrom('bills').select('id').where('period', '=', '2020-01-01').execute()).length, 0);
});

t.test('the daily schedule queues last month once the readings window has closed, and only once', async (t) => {
  const { db } = await freshDatabase(t.teardown);
  t.equal(await billLastMonthIfDue(db, '2030-04-03'), null, 'water readings are still accepted on the 3rd');
  const runId = await billLastMonthIfDue(db, '2030-04-04');
  t.ok(runId);
  const run = await db.selectFrom('bill_runs').selectAll().where('id', '=', runId!).executeTakeFirstOrThrow();
  t.same([run.period, run.status], ['2030-03-01', 'queued']);
  const job = await db.selectFrom('outbox').select('payload').where('job', '=', 'billing.run').executeTakeFirstOrThrow();
  t.same(job.payload, { runId });
  t.equal(await billLastMonthIfDue(db, '2030-04-05'), null, 'not again the next day');
});
