import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { addDays, addMonths } from '../../lib/calendar.js';
import { DEMO_LINKED } from '../linking/seed.js';

// Demo: every payer account has cold and hot water meters and a two-zone
// electricity meter with a year of readings up to the last full month; the bill
// run turns them into bills. Readings of the accounts resident@demo.local has
// linked are theirs; the others came from the registry. The resident's first
// account shows a possible leak (cold water far above usual in the last month);
// their second has no hot water readings for the last two months (billed by the
// six-month average).

const LEAK_ACCOUNT = DEMO_LINKED[0];
const AVERAGE_ACCOUNT = DEMO_LINKED[1];

// Eighths of a cubic metre: exact in binary, so sums people (and tests) make of them stay exact.
function roundToEighth(value: number): number {
  return Math.round(value * 8) / 8;
}

/** A deterministic wobble so the demo history does not look flat. */
function wobble(seed: number, month: number): number {
  return 1 + (((seed * 37 + month * 17) % 21) - 10) / 100;
}

export async function seedReadings(trx: Transaction<Database>, today: string): Promise<void> {
  const resident = await trx.selectFrom('residents').select('id').where('email', '=', 'resident@demo.local').executeTakeFirstOrThrow();
  const accounts = await trx
    .selectFrom('payer_accounts as pa')
    .innerJoin('premises as p', 'p.id', 'pa.premises_id')
    .select(['pa.id', 'pa.payer_code', 'p.residents_count'])
    .orderBy('pa.payer_code')
    .execute();
  const lastPeriod = addMonths(`${today.slice(0, 7)}-01`, -1);
  const periods = Array.from({ length: 12 }, (_, i) => addMonths(lastPeriod, i - 11));
  const installedOn = addMonths(periods[0]!, -1);

  for (const [index, account] of accounts.entries()) {
    const linked = DEMO_LINKED.includes(account.payer_code);
    const residents = Math.max(account.residents_count, 1);
    const serial = (n: number) => String(100000 + account.id * 100 + n * 11 + index);
    const meters = await trx
      .insertInto('meters')
      .values([
        { payer_account_id: account.id, resource: 'cold_water', serial_number: serial(1), zones: 1, next_verification_date: addDays(today, 3 * 365), installed_on: installedOn, initial_t1: 100 },
        // The resident's first account has a hot water meter due for verification soon.
        { payer_account_id: account.id, resource: 'hot_water', serial_number: serial(2), zones: 1, next_verification_date: addDays(today, account.payer_code === LEAK_ACCOUNT ? 25 : 2 * 365), installed_on: installedOn, initial_t1: 50 },
        { payer_account_id: account.id, resource: 'electricity', serial_number: serial(3), zones: 2, next_verification_date: addDays(today, 8 * 365), installed_on: installedOn, initial_t1: 12000, initial_t2: 5000 },
      ])
      .returning(['id', 'resource'])
      .execute();

    const totals = { cold_water: [100], hot_water: [50], electricity: [12000, 5000] };
    const readings = periods.flatMap((period, i) => {
      const month = Number(period.slice(5, 7));
      const leak = account.payer_code === LEAK_ACCOUNT && period === lastPeriod ? 2.6 : 1;
      totals.cold_water = [roundToEighth(totals.cold_water[0]! + residents * 3.4 * wobble(index, month) * leak)];
      totals.hot_water = [roundToEighth(totals.hot_water[0]! + residents * 2.1 * wobble(index + 3, month))];
      const kwh = Math.round(residents * 95 * wobble(index + 5, month));
      const day = Math.round(kwh * 0.7);
      totals.electricity = [totals.electricity[0]! + day, totals.electricity[1]! + kwh - day];
      const submittedAt = new Date(`${period.slice(0, 8)}20T10:00:00+03:00`);
      const skipHot = account.payer_code === AVERAGE_ACCOUNT && i >= periods.length - 2;
      return meters
        .filter((m) => !(skipHot && m.resource === 'hot_water'))
        .map((m) => {
          const values = totals[m.resource as keyof typeof totals];
          return { meter_id: m.id, period, value_t1: values[0]!, value_t2: values[1] ?? null, value_t3: null, submitted_by: linked ? resident.id : null, submitted_at: submittedAt };
        });
    });
    await trx.insertInto('meter_readings').values(readings).execute();
  }
}
