import type { Transaction } from 'kysely';
import { chargeFor, dueDateFor } from '../bills/rules.js';
import type { Database } from '../../db/schema.js';
import { addMonths } from '../../lib/calendar.js';

type Trx = Transaction<Database>;

// Moscow tariffs from 2025-07-01 and +1.7 % from 2026-01-01 (DOMAIN.md). Maintenance,
// heating per m² and capital repair are illustrative demo figures.
const TARIFFS: { service: string; unit: string; from2025: number }[] = [
  { service: 'maintenance', unit: 'м²', from2025: 3412 },
  { service: 'heating', unit: 'Гкал', from2025: 373837 },
  { service: 'cold_water', unit: 'м³', from2025: 6577 },
  { service: 'hot_water', unit: 'м³', from2025: 31250 },
  { service: 'drainage', unit: 'м³', from2025: 5162 },
  { service: 'electricity', unit: 'кВт·ч', from2025: 787 },
  { service: 'gas', unit: 'м³', from2025: 971 },
  { service: 'capital_repair', unit: 'м²', from2025: 2793 },
];

export const DEMO_PROVIDER = 'ГБУ «Жилищник района Тверской»';

type DemoAccount = { payerCode: string; building: number; flat: string; area: number; residents: number; unpaidMonths: number };

// 7700000001 and 7700000002 are linked to nobody: the browser tests link them.
export const DEMO_ACCOUNTS: DemoAccount[] = [
  { payerCode: '7700000001', building: 0, flat: '1', area: 54.3, residents: 2, unpaidMonths: 0 },
  { payerCode: '7700000002', building: 0, flat: '2', area: 38.1, residents: 1, unpaidMonths: 3 },
  { payerCode: '7700000003', building: 0, flat: '3', area: 71.6, residents: 4, unpaidMonths: 1 },
  { payerCode: '7700000010', building: 1, flat: '10', area: 62.4, residents: 3, unpaidMonths: 1 },
  { payerCode: '7700000011', building: 1, flat: '11', area: 45.0, residents: 2, unpaidMonths: 0 },
  { payerCode: '7700000020', building: 2, flat: '5', area: 33.2, residents: 1, unpaidMonths: 2 },
];

const BUILDINGS = [
  { unom: 1001, address: 'г. Москва, ул. Тверская, д. 10' },
  { unom: 1002, address: 'г. Москва, Малый Гнездниковский пер., д. 4' },
  { unom: 1003, address: 'г. Москва, ул. Большая Дмитровка, д. 7, стр. 1' },
];

function tariffAt(prices: Map<string, { from2025: number; from2026: number }>, service: string, period: string): number {
  const price = prices.get(service)!;
  return period >= '2026-01-01' ? price.from2026 : price.from2025;
}

/** A deterministic wobble so the demo history does not look flat. */
function wobble(seed: number, month: number): number {
  return 1 + (((seed * 37 + month * 17) % 21) - 10) / 100;
}

/** Providers, buildings, flats, payer accounts and a year of bills up to the last full month. */
export async function seedRegistry(trx: Trx, today: string): Promise<void> {
  const prices = new Map(TARIFFS.map((t) => [t.service, { from2025: t.from2025, from2026: Math.round(t.from2025 * 1.017) }]));
  await trx
    .insertInto('tariffs')
    .values(
      TARIFFS.flatMap((t) => [
        { service: t.service, unit: t.unit, price_kopecks: prices.get(t.service)!.from2025, valid_from: '2025-07-01' },
        { service: t.service, unit: t.unit, price_kopecks: prices.get(t.service)!.from2026, valid_from: '2026-01-01' },
      ]),
    )
    .execute();

  const [tverskoy] = await trx
    .insertInto('providers')
    .values([
      { name: DEMO_PROVIDER, inn: '7710000001' },
      { name: 'ГБУ «Жилищник Пресненского района»', inn: '7703000002' },
      { name: 'АО «Мосэнергосбыт»', inn: '7736520080' },
    ])
    .returning('id')
    .execute();
  const buildings = await trx.insertInto('buildings').values(BUILDINGS).returning('id').execute();

  const lastPeriod = addMonths(`${today.slice(0, 7)}-01`, -1);
  for (const [index, account] of DEMO_ACCOUNTS.entries()) {
    const premises = await trx
      .insertInto('premises')
      .values({ building_id: buildings[account.building]!.id, flat_number: account.flat, area: account.area, residents_count: account.residents })
      .returning('id')
      .executeTakeFirstOrThrow();
    const payer = await trx
      .insertInto('payer_accounts')
      .values({ payer_code: account.payerCode, provider_id: tverskoy!.id, premises_id: premises.id })
      .returning('id')
      .executeTakeFirstOrThrow();

    let balance = 0;
    for (let m = 11; m >= 0; m -= 1) {
      const period = addMonths(lastPeriod, -m);
      const month = Number(period.slice(5, 7));
      const heatingSeason = month >= 10 || month <= 4;
      const cold = Number((account.residents * 3.4 * wobble(index, month)).toFixed(3));
      const hot = Number((account.residents * 2.1 * wobble(index + 3, month)).toFixed(3));
      const lines = [
        { service: 'maintenance', quantity: account.area },
        ...(heatingSeason ? [{ service: 'heating', quantity: Number((account.area * 0.0163).toFixed(3)) }] : []),
        { service: 'cold_water', quantity: cold },
        { service: 'hot_water', quantity: hot },
        { service: 'drainage', quantity: Number((cold + hot).toFixed(3)) },
        { service: 'electricity', quantity: Math.round(account.residents * 95 * wobble(index + 5, month)) },
        { service: 'capital_repair', quantity: account.area },
      ].map((line) => {
        const tariff = tariffAt(prices, line.service, period);
        const charged = chargeFor(line.quantity, tariff);
        const unit = TARIFFS.find((t) => t.service === line.service)!.unit;
        return { ...line, unit, tariff_kopecks: tariff, charged_kopecks: charged, total_kopecks: charged };
      });
      const charged = lines.reduce((sum, l) => sum + l.total_kopecks, 0);
      // Each month the resident pays what the previous bill asked, except in the last unpaid months.
      const paid = m < account.unpaidMonths ? 0 : balance;
      const amountDue = balance + charged - paid;
      const bill = await trx
        .insertInto('bills')
        .values({
          payer_account_id: payer.id,
          period,
          due_date: dueDateFor(period),
          balance_forward_kopecks: balance,
          charged_kopecks: charged,
          paid_kopecks: paid,
          amount_due_kopecks: amountDue,
          issued_at: `${addMonths(period, 1)}T09:00:00+03:00`,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx.insertInto('bill_lines').values(lines.map((l) => ({ bill_id: bill.id, ...l }))).execute();
      balance = amountDue;
    }
  }
}
