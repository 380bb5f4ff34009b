import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { addDays, addMonths } from '../../lib/calendar.js';
import { DEMO_LINKED } from '../linking/seed.js';

// Demo: every payer account has cold and hot water meters and a two-zone
// electricity meter with a year of readings whose consumption equals the
// quantities billed. Readings of the accounts resident@demo.local has linked are
// theirs; the others came from the registry.

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export async function seedReadings(trx: Transaction<Database>, today: string): Promise<void> {
  const resident = await trx.selectFrom('residents').select('id').where('email', '=', 'resident@demo.local').executeTakeFirstOrThrow();
  const accounts = await trx
    .selectFrom('payer_accounts as pa')
    .select(['pa.id', 'pa.payer_code'])
    .orderBy('pa.payer_code')
    .execute();

  for (const [index, account] of accounts.entries()) {
    const linked = DEMO_LINKED.includes(account.payer_code);
    const lines = await trx
      .selectFrom('bills as b')
      .innerJoin('bill_lines as l', 'l.bill_id', 'b.id')
      .select(['b.period', 'l.service', 'l.quantity'])
      .where('b.payer_account_id', '=', account.id)
      .where('l.service', 'in', ['cold_water', 'hot_water', 'electricity'])
      .orderBy('b.period')
      .execute();
    const periods = [...new Set(lines.map((l) => l.period))];
    const used = (period: string, service: string) => lines.find((l) => l.period === period && l.service === service)?.quantity ?? 0;
    const installedOn = addMonths(periods[0] ?? `${today.slice(0, 7)}-01`, -1);

    const serial = (n: number) => String(100000 + account.id * 100 + n * 11 + index);
    const meters = await trx
      .insertInto('meters')
      .values([
        { payer_account_id: account.id, resource: 'cold_water', serial_number: serial(1), zones: 1, next_verification_date: addDays(today, 3 * 365), installed_on: installedOn, initial_t1: 100 },
        // The resident's first account has a hot water meter due for verification soon.
        { payer_account_id: account.id, resource: 'hot_water', serial_number: serial(2), zones: 1, next_verification_date: addDays(today, account.payer_code === DEMO_LINKED[0] ? 25 : 2 * 365), installed_on: installedOn, initial_t1: 50 },
        { payer_account_id: account.id, resource: 'electricity', serial_number: serial(3), zones: 2, next_verification_date: addDays(today, 8 * 365), installed_on: installedOn, initial_t1: 12000, initial_t2: 5000 },
      ])
      .returning(['id', 'resource'])
      .execute();

    const totals = { cold_water: [100], hot_water: [50], electricity: [12000, 5000] };
    const readings = periods.flatMap((period) => {
      totals.cold_water = [round3(totals.cold_water[0]! + used(period, 'cold_water'))];
      totals.hot_water = [round3(totals.hot_water[0]! + used(period, 'hot_water'))];
      const kwh = used(period, 'electricity');
      const day = Math.round(kwh * 0.7);
      totals.electricity = [round3(totals.electricity[0]! + day), round3(totals.electricity[1]! + kwh - day)];
      const submittedAt = new Date(`${period.slice(0, 8)}20T10:00:00+03:00`);
      return meters.map((m) => {
        const values = totals[m.resource as keyof typeof totals];
        return { meter_id: m.id, period, value_t1: values[0]!, value_t2: values[1] ?? null, value_t3: null, submitted_by: linked ? resident.id : null, submitted_at: submittedAt };
      });
    });
    if (readings.length > 0) await trx.insertInto('meter_readings').values(readings).execute();
  }
}
