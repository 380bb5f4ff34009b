import t from 'tap';
import type { Db } from '../../../src/db/index.js';
import { DEMO_PROVIDER } from '../../../src/features/accounts/seed.js';
import { seedPayees } from '../../../src/features/billing/seed.js';
import { runBilling } from '../../../src/features/billing/run.js';
import { installMeter, retireMeter } from '../../../src/features/readings/service.js';
import { freshDatabase } from '../../fixtures/database.js';

// Billed volumes from readings. A replaced cold water meter: the old meter's consumption
// up to its final reading is billed (in the replacement month, or in the next bill when
// that month was already billed), and the new meter counts from its initial reading.
// Cold water 50 ₽/m³. And a single-rate norm taken off a later two-zone reading.

const TARIFFS: [string, number, string, number][] = [
  ['maintenance', 1, 'T1', 3000], ['heating', 1, 'T1', 200000], ['cold_water', 1, 'T1', 5000], ['hot_water', 1, 'T1', 20000],
  ['drainage', 1, 'T1', 4000], ['electricity', 1, 'T1', 600], ['electricity', 2, 'T1', 800], ['electricity', 2, 'T2', 300], ['gas', 1, 'T1', 1000], ['capital_repair', 1, 'T1', 2000],
];

async function flats(db: Db, count: number): Promise<{ account: number; meter: number }[]> {
  return db.transaction().execute(async (trx) => {
    await trx.insertInto('providers').values({ name: DEMO_PROVIDER, inn: '7710000008' }).execute();
    await seedPayees(trx);
    await trx.insertInto('tariffs').values(TARIFFS.map(([service, plan, zone, price_kopecks]) => ({ service, plan, zone: zone as 'T1', price_kopecks, valid_from: '2030-01-01' }))).execute();
    const provider = await trx.selectFrom('providers').select('id').executeTakeFirstOrThrow();
    const building = await trx.insertInto('buildings').values({ unom: 9101, address: 'г. Москва, ул. Заменная, д. 1' }).returning('id').executeTakeFirstOrThrow();
    const result: { account: number; meter: number }[] = [];
    for (let flat = 1; flat <= count; flat += 1) {
      const premises = await trx.insertInto('premises').values({ building_id: building.id, flat_number: String(flat), area: 40, residents_count: 1 }).returning('id').executeTakeFirstOrThrow();
      const account = await trx.insertInto('payer_accounts').values({ payer_code: `991000000${flat}`, provider_id: provider.id, premises_id: premises.id }).returning('id').executeTakeFirstOrThrow();
      const meter = await installMeter(trx, { accountId: account.id, resource: 'cold_water', serialNumber: `CW-${flat}`, zones: 1, nextVerificationDate: '2035-01-01', installedOn: '2029-08-10', initial: [0] });
      await trx.insertInto('meter_readings').values([
        { meter_id: meter, period: '2030-01-01', value_t1: 10, submitted_at: '2030-01-20T10:00:00Z' },
        { meter_id: meter, period: '2030-02-01', value_t1: 14, submitted_at: '2030-02-20T10:00:00Z' },
      ]).execute();
      result.push({ account: account.id, meter });
    }
    return result;
  });
}

async function reading(db: Db, meterId: number, period: string, value: number, at: string) {
  await db.insertInto('meter_readings').values({ meter_id: meterId, period, value_t1: value, submitted_at: at }).execute();
}

/** Retires `meterId` on `replacedOn` with `final` and installs the new meter with `initial`, as staff do on `today`. */
async function replace(db: Db, input: { account: number; meterId: number; replacedOn: string; final: number; initial: number; today: string }) {
  return db.transaction().execute(async (trx) => {
    const retired = await retireMeter(trx, { accountId: input.account, meterId: input.meterId, replacedOn: input.replacedOn, final: [input.final], today: input.today, now: new Date(`${input.today}T09:00:00Z`) });
    if (!retired?.ok) throw new Error(`replacement refused: ${JSON.stringify(retired)}`);
    return installMeter(trx, { accountId: input.account, resource: 'cold_water', serialNumber: `NEW-${input.meterId}`, zones: 1, nextVerificationDate: '2036-01-01', installedOn: input.replacedOn, initial: [input.initial] });
  });
}

async function coldWater(db: Db, account: number, period: string): Promise<[number, string | null]> {
  const line = await db
    .selectFrom('bills as b')
    .innerJoin('bill_lines as l', 'l.bill_id', 'b.id')
    .select(['l.quantity', 'l.source'])
    .where('b.payer_account_id', '=', account)
    .where('b.period', '=', period)
    .where('l.service', '=', 'cold_water')
    .executeTakeFirstOrThrow();
  return [Number(line.quantity), line.source];
}

t.test('a replacement in the billed month: the old meter up to its final reading plus the new meter from its start', async (t) => {
  const { db } = await freshDatabase(t.teardown);
  const [flat] = await flats(db, 1);
  const fresh = await replace(db, { account: flat!.account, meterId: flat!.meter, replacedOn: '2030-03-12', final: 17, initial: 0.5, today: '2030-03-20' });
  await reading(db, fresh, '2030-03-01', 2.5, '2030-03-21T10:00:00Z');
  await runBilling(db, { period: '2030-03-01', now: new Date('2030-04-04T06:00:00Z') });
  t.same(await coldWater(db, flat!.account, '2030-03-01'), [5, 'reading'], '(17 − 14) + (2,5 − 0,5)');
  const old = await db.selectFrom('meter_readings').select(['value_t1', 'submitted_by']).where('meter_id', '=', flat!.meter).where('period', '=', '2030-03-01').executeTakeFirstOrThrow();
  t.same([old.value_t1, old.submitted_by], [17, null], 'the final reading stays in the old meter’s history');
});

t.test('a replacement dated in a month already billed goes into the next bill, less what that month was charged', async (t) => {
  const { db } = await freshDatabase(t.teardown);
  const [estimated, read] = await flats(db, 2);
  // March: flat 1 sent nothing (billed by the average, 14 m³ over 6 months), flat 2 sent 16.
  await reading(db, read!.meter, '2030-03-01', 16, '2030-03-20T10:00:00Z');
  await runBilling(db, { period: '2030-03-01', now: new Date('2030-04-01T06:00:00Z') });
  t.same(await coldWater(db, estimated!.account, '2030-03-01'), [2.333, 'average']);
  t.same(await coldWater(db, read!.account, '2030-03-01'), [2, 'reading']);

  // On 10 April staff record replacements made in March.
  const fresh = await replace(db, { account: estimated!.account, meterId: estimated!.meter, replacedOn: '2030-03-25', final: 19, initial: 0, today: '2030-04-10' });
  await reading(db, fresh, '2030-04-01', 3, '2030-04-20T10:00:00Z');
  await replace(db, { account: read!.account, meterId: read!.meter, replacedOn: '2030-03-28', final: 17, initial: 0, today: '2030-04-10' });
  await runBilling(db, { period: '2030-04-01', now: new Date('2030-05-04T06:00:00Z') });
  t.same(await coldWater(db, estimated!.account, '2030-04-01'), [5.667, 'reading'], '(19 − 14 − 2,333 estimated) + 3 on the new meter');
  t.same(await coldWater(db, read!.account, '2030-04-01'), [1, 'reading'], '17 − 14 less the 2 m³ March already charged; the new meter is billed when read');

  // The late final reading is billed once: May counts only the new meter.
  await reading(db, fresh, '2030-05-01', 5, '2030-05-20T10:00:00Z');
  await runBilling(db, { period: '2030-05-01', now: new Date('2030-06-04T06:00:00Z') });
  t.same(await coldWater(db, estimated!.account, '2030-05-01'), [2, 'reading']);
});

t.test('a replacement is refused out of range, before a later reading, or below the last reading', async (t) => {
  const { db } = await freshDatabase(t.teardown);
  const [flat] = await flats(db, 1);
  const attempt = (replacedOn: string, final: number, today = '2030-03-20') =>
    db.transaction().execute((trx) => retireMeter(trx, { accountId: flat!.account, meterId: flat!.meter, replacedOn, final: [final], today, now: new Date() }));
  t.match(await attempt('2030-01-31', 20), { ok: false, errors: { replacedOn: /не раньше 01\.02\.2030/ } }, 'the previous period at the earliest');
  t.match(await attempt('2030-03-21', 20), { ok: false, errors: { replacedOn: /позже сегодняшней/ } });
  t.match(await attempt('2030-03-05', 13), { ok: false, errors: { final1: /меньше предыдущих \(14\)/ } });
  t.match(await attempt('2030-01-20', 20, '2030-02-10'), { ok: false, errors: { replacedOn: /показания за февраль 2030/ } });
  t.equal(await db.transaction().execute((trx) => retireMeter(trx, { accountId: flat!.account + 1, meterId: flat!.meter, replacedOn: '2030-03-05', final: [20], today: '2030-03-20', now: new Date() })), null, 'another account’s meter');
  const meter = await db.selectFrom('meters').select(['active', 'replaced_on']).where('id', '=', flat!.meter).executeTakeFirstOrThrow();
  t.same([meter.active, meter.replaced_on], [true, null], 'nothing written');
});

t.test('an electricity norm billed at the single rate is taken off the next two-zone reading zone by zone', async (t) => {
  const { db } = await freshDatabase(t.teardown);
  const [flat] = await flats(db, 1);
  const meter = await db.transaction().execute((trx) =>
    installMeter(trx, { accountId: flat!.account, resource: 'electricity', serialNumber: 'E-2', zones: 2, nextVerificationDate: '2035-01-01', installedOn: '2030-01-10', initial: [0, 0] }),
  );
  // February: no reading yet, billed by the norm for one resident (98 kWh) at the single rate.
  await runBilling(db, { period: '2030-02-01', now: new Date('2030-03-04T06:00:00Z') });
  const february = await db.selectFrom('bills as b').innerJoin('bill_lines as l', 'l.bill_id', 'b.id').select(['l.zone', 'l.quantity', 'l.source'])
    .where('b.payer_account_id', '=', flat!.account).where('b.period', '=', '2030-02-01').where('l.service', '=', 'electricity').execute();
  t.same(february.map((l) => [l.zone, Number(l.quantity), l.source]), [[null, 98, 'norm']]);
  // March: 130 day + 70 night since installation; the 98 kWh already billed come off in proportion (65 % / 35 %).
  await reading(db, meter, '2030-03-01', 130, '2030-03-20T10:00:00Z');
  await db.updateTable('meter_readings').set({ value_t2: 70 }).where('meter_id', '=', meter).execute();
  await runBilling(db, { period: '2030-03-01', now: new Date('2030-04-04T06:00:00Z') });
  const march = await db.selectFrom('bills as b').innerJoin('bill_lines as l', 'l.bill_id', 'b.id').select(['l.zone', 'l.quantity', 'l.source'])
    .where('b.payer_account_id', '=', flat!.account).where('b.period', '=', '2030-03-01').where('l.service', '=', 'electricity').orderBy('l.zone').execute();
  t.same(march.map((l) => [l.zone, Number(l.quantity), l.source]), [['T1', 66.3, 'reading'], ['T2', 35.7, 'reading']], '130 − 63,7 and 70 − 34,3: 200 − 98 in total');
});
