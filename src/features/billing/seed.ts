import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { DEMO_PROVIDER } from '../accounts/seed.js';
import { addMonths, dayOf, moscowMidnight, periodOf } from '../../lib/calendar.js';
import { runBillingIn } from './run.js';

// Demo payees with valid ИНН (check digits) and illustrative bank details. The
// managing organisation receives housing and utilities; electricity goes to the
// energy retailer and the capital repair contribution to the regional fund.
const SBERBANK = { bank_name: 'ПАО Сбербанк', bic: '044525225', corr_account: '30101810400000000225' };

export async function seedPayees(trx: Transaction<Database>): Promise<void> {
  const provider = await trx.selectFrom('providers').select('id').where('name', '=', DEMO_PROVIDER).executeTakeFirstOrThrow();
  const payees = await trx
    .insertInto('payees')
    .values([
      { name: DEMO_PROVIDER, inn: '7710012349', kpp: '771001001', account: '40603810938000001234', provider_id: provider.id, phone: '+7 495 539-53-53', ...SBERBANK },
      { name: 'АО «Мосэнергосбыт»', inn: '7736520080', kpp: '997650001', account: '40702810938000004321', provider_id: null, phone: '+7 495 981-98-19', ...SBERBANK },
      { name: 'Фонд капитального ремонта многоквартирных домов города Москвы', inn: '7701090559', kpp: '770101001', account: '40604810938000000777', provider_id: null, phone: '+7 495 539-33-53', ...SBERBANK },
    ])
    .returning(['id', 'name'])
    .execute();
  const idOf = (prefix: string) => payees.find((p) => p.name.startsWith(prefix))!.id;
  await trx.updateTable('services').set({ payee_id: idOf('АО «Мосэнергосбыт»') }).where('code', '=', 'electricity').execute();
  await trx.updateTable('services').set({ payee_id: idOf('Фонд капитального ремонта') }).where('code', '=', 'capital_repair').execute();
}

// Two demo debtors so that penalties show: 7700000002 stopped paying in June,
// 7700000020 pays half of each bill from August. Everyone else pays each bill in
// full on the 8th of the following month.
const STOPPED_PAYING: Record<string, { from: string; share: number }> = {
  '7700000002': { from: '2026-06-01', share: 0 },
  '7700000020': { from: '2026-08-01', share: 0.5 },
};

/** Payees, then a year of bills from the bill run itself, with the payments between runs. */
export async function seedBilling(trx: Transaction<Database>, today: string): Promise<void> {
  await seedPayees(trx);
  const lastPeriod = addMonths(periodOf(today), -1);
  // A clock set early (tests of June 2026) must not reach back before the first tariffs.
  const firstTariff = await trx.selectFrom('tariffs').select((eb) => eb.fn.min('valid_from').as('from')).executeTakeFirstOrThrow();
  for (let m = 11; m >= 0; m -= 1) {
    const period = addMonths(lastPeriod, -m);
    if (firstTariff.from && period < periodOf(firstTariff.from)) continue;
    const next = addMonths(period, 1);
    await runBillingIn(trx, { period, now: moscowMidnight(next) });
    const paidOn = dayOf(next, 8);
    if (paidOn > today) continue;
    const bills = await trx
      .selectFrom('bills as b')
      .innerJoin('payer_accounts as pa', 'pa.id', 'b.payer_account_id')
      .select(['b.payer_account_id', 'b.amount_due_kopecks', 'pa.payer_code'])
      .where('b.period', '=', period)
      .where('b.amount_due_kopecks', '>', 0)
      .execute();
    const payments = bills.flatMap((bill) => {
      const debtor = STOPPED_PAYING[bill.payer_code];
      const share = debtor && period >= debtor.from ? debtor.share : 1;
      const amount = Math.round(bill.amount_due_kopecks * share);
      return amount > 0 ? [{ payer_account_id: bill.payer_account_id, paid_on: paidOn, amount_kopecks: amount, method: 'card', for_period: null }] : [];
    });
    if (payments.length > 0) await trx.insertInto('payments').values(payments).execute();
  }
}
