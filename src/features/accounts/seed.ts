import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';

type Trx = Transaction<Database>;

export const DEMO_PROVIDER = 'ГБУ «Жилищник района Тверской»';

type DemoAccount = { payerCode: string; building: number; flat: string; area: number; residents: number };

// 7700000001 and 7700000002 are linked to nobody: the browser tests link them.
export const DEMO_ACCOUNTS: DemoAccount[] = [
  { payerCode: '7700000001', building: 0, flat: '1', area: 54.3, residents: 2 },
  { payerCode: '7700000002', building: 0, flat: '2', area: 38.1, residents: 1 },
  { payerCode: '7700000003', building: 0, flat: '3', area: 71.6, residents: 4 },
  { payerCode: '7700000010', building: 1, flat: '10', area: 62.4, residents: 3 },
  { payerCode: '7700000011', building: 1, flat: '11', area: 45.0, residents: 2 },
  { payerCode: '7700000020', building: 2, flat: '5', area: 33.2, residents: 1 },
];

const BUILDINGS = [
  { unom: 1001, address: 'г. Москва, ул. Тверская, д. 10' },
  { unom: 1002, address: 'г. Москва, Малый Гнездниковский пер., д. 4' },
  { unom: 1003, address: 'г. Москва, ул. Большая Дмитровка, д. 7, стр. 1' },
];

/** Providers, buildings, flats and payer accounts (their bills come from the bill run, see billing/seed.ts). */
export async function seedRegistry(trx: Trx): Promise<void> {
  const [tverskoy] = await trx
    .insertInto('providers')
    .values([
      { name: DEMO_PROVIDER, inn: '7710000008' },
      { name: 'ГБУ «Жилищник Пресненского района»', inn: '7703000007' },
      { name: 'АО «Мосэнергосбыт»', inn: '7736520080' },
    ])
    .returning('id')
    .execute();
  const buildings = await trx.insertInto('buildings').values(BUILDINGS).returning('id').execute();

  for (const account of DEMO_ACCOUNTS) {
    const premises = await trx
      .insertInto('premises')
      .values({ building_id: buildings[account.building]!.id, flat_number: account.flat, area: account.area, residents_count: account.residents })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx.insertInto('payer_accounts').values({ payer_code: account.payerCode, provider_id: tverskoy!.id, premises_id: premises.id }).execute();
  }
}
