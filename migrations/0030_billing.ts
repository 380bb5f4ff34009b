import { sql, type Kysely } from 'kysely';

// Billing: the reference data as dated rows (payees, services, tariffs per zone,
// norms, norm multipliers, due days, key rates, the penalty rate cap), the money
// received, pending recalculations, bill runs with their progress, and bill lines
// that know their payee, zone and where their quantity came from.
export async function up(db: Kysely<any>): Promise<void> {
  // Who receives the money: the managing organisation (tied to a provider), the
  // capital repair fund, the energy retailer. Bank details print on the ЕПД and its QR.
  await db.schema
    .createTable('payees')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('inn', 'text', (c) => c.notNull().check(sql`inn ~ '^[0-9]{10}$'`))
    .addColumn('kpp', 'text', (c) => c.notNull().check(sql`kpp ~ '^[0-9]{9}$'`))
    .addColumn('bank_name', 'text', (c) => c.notNull())
    .addColumn('bic', 'text', (c) => c.notNull().check(sql`bic ~ '^[0-9]{9}$'`))
    .addColumn('account', 'text', (c) => c.notNull().check(sql`account ~ '^[0-9]{20}$'`))
    .addColumn('corr_account', 'text', (c) => c.notNull().check(sql`corr_account ~ '^[0-9]{20}$'`))
    // The managing organisation's payee: services without a payee of their own go to it.
    .addColumn('provider_id', 'integer', (c) => c.unique().references('providers.id'))
    .execute();

  // How a service's quantity is found: area × tariff, area × norm (heating in Гкал per m²),
  // a meter (or its fallbacks), or the sum of cold and hot water (drainage).
  await db.schema
    .createTable('services')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('unit', 'text', (c) => c.notNull())
    .addColumn('basis', 'text', (c) => c.notNull().check(sql`basis in ('area', 'area_norm', 'metered', 'drainage')`))
    .addColumn('resource', 'text', (c) => c.check(sql`resource in ('cold_water', 'hot_water', 'electricity', 'gas', 'heat')`))
    .addColumn('penalty_kind', 'text', (c) => c.notNull().defaultTo('utilities').check(sql`penalty_kind in ('utilities', 'capital_repair')`))
    .addColumn('sort_order', 'integer', (c) => c.notNull())
    // Null: the account's managing organisation receives it.
    .addColumn('payee_id', 'integer', (c) => c.references('payees.id'))
    .addCheckConstraint('services_metered_resource', sql`(basis = 'metered') = (resource is not null)`)
    .execute();

  // Tariffs become per zone plan (1, 2 or 3 zones) and zone, with an optional end date.
  // Rows written before this migration were demo figures without zones: the Moscow ones replace them.
  await sql`delete from tariffs`.execute(db);
  await sql`alter table tariffs drop constraint tariffs_service_from_key`.execute(db);
  await sql`alter table tariffs drop column unit`.execute(db);
  await db.schema
    .alterTable('tariffs')
    .addColumn('plan', 'integer', (c) => c.notNull().defaultTo(1).check(sql`plan between 1 and 3`))
    .addColumn('zone', 'text', (c) => c.notNull().defaultTo('T1').check(sql`zone in ('T1', 'T2', 'T3')`))
    .addColumn('valid_to', 'date')
    .addColumn('created_by', 'integer', (c) => c.references('staff.id'))
    .execute();
  await sql`alter table tariffs add constraint tariffs_service_fk foreign key (service) references services (code)`.execute(db);
  await sql`alter table tariffs add constraint tariffs_valid_range check (valid_to is null or valid_to >= valid_from)`.execute(db);
  await sql`alter table tariffs add constraint tariffs_zone_in_plan check (zone = 'T1' or (zone = 'T2' and plan >= 2) or (zone = 'T3' and plan = 3))`.execute(db);
  await db.schema.createIndex('tariffs_lookup_key').on('tariffs').columns(['service', 'plan', 'zone', 'valid_from']).unique().execute();

  // Norm per resident per month (metered services) or per m² (heating).
  await db.schema
    .createTable('service_norms')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('service', 'text', (c) => c.notNull().references('services.code'))
    .addColumn('quantity', sql`numeric(12,4)`, (c) => c.notNull().check(sql`quantity >= 0`))
    .addColumn('valid_from', 'date', (c) => c.notNull())
    .addUniqueConstraint('service_norms_key', ['service', 'valid_from'])
    .execute();

  // The raising multiplier where a meter could be installed but is missing (or long unverified).
  await db.schema
    .createTable('norm_multipliers')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('service', 'text', (c) => c.notNull().references('services.code'))
    .addColumn('multiplier', sql`numeric(5,2)`, (c) => c.notNull().check(sql`multiplier >= 1`))
    .addColumn('valid_from', 'date', (c) => c.notNull())
    .addUniqueConstraint('norm_multipliers_key', ['service', 'valid_from'])
    .execute();

  // The day of the following month a bill is due, by the month it falls in.
  await db.schema
    .createTable('due_days')
    .addColumn('valid_from', 'date', (c) => c.primaryKey())
    .addColumn('day', 'integer', (c) => c.notNull().check(sql`day between 1 and 28`))
    .execute();

  // Central bank key rate, and the cap on the rate penalties use (null: no cap from that day).
  await db.schema
    .createTable('key_rates')
    .addColumn('valid_from', 'date', (c) => c.primaryKey())
    .addColumn('rate', sql`numeric(6,3)`, (c) => c.notNull().check(sql`rate >= 0`))
    .execute();
  await db.schema
    .createTable('penalty_rate_caps')
    .addColumn('valid_from', 'date', (c) => c.primaryKey())
    .addColumn('cap', sql`numeric(6,3)`, (c) => c.check(sql`cap >= 0`))
    .execute();

  // Money received for an account. The bill of a period shows what arrived during it.
  await db.schema
    .createTable('payments')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('payer_account_id', 'integer', (c) => c.notNull().references('payer_accounts.id'))
    .addColumn('paid_on', 'date', (c) => c.notNull())
    .addColumn('amount_kopecks', 'bigint', (c) => c.notNull().check(sql`amount_kopecks > 0`))
    // The period the payer named, if any (allocation otherwise goes to the oldest debt).
    .addColumn('for_period', 'date', (c) => c.check(sql`extract(day from for_period) = 1`))
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('payments_account_idx').on('payments').columns(['payer_account_id', 'paid_on', 'id']).execute();

  // Corrections the next bill run applies once (see features/billing/tables.ts for the contract).
  await db.schema
    .createTable('pending_recalculations')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('payer_account_id', 'integer', (c) => c.notNull().references('payer_accounts.id'))
    .addColumn('service', 'text', (c) => c.notNull().references('services.code'))
    .addColumn('period', 'date', (c) => c.notNull().check(sql`extract(day from period) = 1`))
    .addColumn('reason', 'text', (c) => c.notNull().check(sql`length(reason) between 1 and 300`))
    .addColumn('amount_kopecks', 'bigint')
    .addColumn('excess_hours', sql`numeric(8,2)`, (c) => c.check(sql`excess_hours > 0`))
    .addColumn('percent_per_hour', sql`numeric(6,3)`, (c) => c.check(sql`percent_per_hour > 0`))
    .addColumn('source_key', 'text', (c) => c.unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('applied_bill_id', 'integer', (c) => c.references('bills.id'))
    .addCheckConstraint(
      'pending_recalculations_one_spec',
      sql`(amount_kopecks is not null and excess_hours is null and percent_per_hour is null)
          or (amount_kopecks is null and excess_hours is not null and percent_per_hour is not null)`,
    )
    .execute();
  await db.schema
    .createIndex('pending_recalculations_open_idx')
    .on('pending_recalculations')
    .columns(['payer_account_id', 'period'])
    .where(sql.ref('applied_bill_id'), 'is', null)
    .execute();

  await db.schema
    .createTable('bill_runs')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('period', 'date', (c) => c.notNull().check(sql`extract(day from period) = 1`))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('queued').check(sql`status in ('queued', 'running', 'done', 'failed')`))
    .addColumn('total_accounts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('done_accounts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('bills_created', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .addColumn('started_by', 'integer', (c) => c.references('staff.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('bill_runs_period_idx').on('bill_runs').columns(['period', 'id desc']).execute();

  await db.schema
    .alterTable('bill_lines')
    .addColumn('payee_id', 'integer', (c) => c.references('payees.id'))
    .addColumn('zone', 'text', (c) => c.check(sql`zone in ('T1', 'T2', 'T3')`))
    .addColumn('source', 'text', (c) => c.check(sql`source in ('area', 'reading', 'average', 'norm', 'norm_raised', 'recalculation')`))
    .addColumn('sort_order', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('bills').addColumn('penalty_as_of', 'date').execute();
  await insertMoscowReferenceData(db);
  // Bills of a period (the back office, the run's progress) and an account's history by period.
  await db.schema.createIndex('bills_period_idx').on('bills').columns(['period', 'payer_account_id']).execute();
  await db.schema.createIndex('meter_readings_period_idx').on('meter_readings').columns(['meter_id', 'period desc']).execute();
}

// Moscow figures (DOMAIN.md): tariffs from 2025-07-01, +1.7 % from 2026-01-01 and the
// October 2026 rise (illustrative +11.9 %); maintenance and the capital repair
// contribution are illustrative per-m² prices. Key rates after 2025 are illustrative.
const SERVICES = [
  { code: 'maintenance', name: 'Содержание и ремонт', unit: 'м²', basis: 'area', resource: null, sort_order: 10 },
  { code: 'heating', name: 'Отопление', unit: 'Гкал', basis: 'area_norm', resource: null, sort_order: 20 },
  { code: 'cold_water', name: 'Холодная вода', unit: 'м³', basis: 'metered', resource: 'cold_water', sort_order: 30 },
  { code: 'hot_water', name: 'Горячая вода', unit: 'м³', basis: 'metered', resource: 'hot_water', sort_order: 40 },
  { code: 'drainage', name: 'Водоотведение', unit: 'м³', basis: 'drainage', resource: null, sort_order: 50 },
  { code: 'electricity', name: 'Электроэнергия', unit: 'кВт·ч', basis: 'metered', resource: 'electricity', sort_order: 60 },
  { code: 'gas', name: 'Газ', unit: 'м³', basis: 'metered', resource: 'gas', sort_order: 70 },
  { code: 'capital_repair', name: 'Взнос на капремонт', unit: 'м²', basis: 'area', resource: null, sort_order: 80, penalty_kind: 'capital_repair' },
];

const TARIFFS_2025: [service: string, plan: number, zone: string, kopecks: number][] = [
  ['maintenance', 1, 'T1', 3412],
  ['heating', 1, 'T1', 373837],
  ['cold_water', 1, 'T1', 6577],
  ['hot_water', 1, 'T1', 31250],
  ['drainage', 1, 'T1', 5162],
  ['electricity', 1, 'T1', 787],
  ['electricity', 2, 'T1', 945],
  ['electricity', 2, 'T2', 408],
  ['electricity', 3, 'T1', 1124],
  ['electricity', 3, 'T2', 408],
  ['electricity', 3, 'T3', 787],
  ['gas', 1, 'T1', 971],
  ['capital_repair', 1, 'T1', 2793],
];

async function insertMoscowReferenceData(db: Kysely<any>): Promise<void> {
  await db.insertInto('services').values(SERVICES.map((s) => ({ penalty_kind: 'utilities', ...s }))).execute();
  const rows = TARIFFS_2025.flatMap(([service, plan, zone, price]) => {
    const from2026 = Math.round(price * 1.017);
    const raised = service === 'capital_repair' ? [] : [{ valid_from: '2026-10-01', price_kopecks: Math.round(from2026 * 1.119) }];
    return [{ valid_from: '2025-07-01', price_kopecks: price }, { valid_from: '2026-01-01', price_kopecks: from2026 }, ...raised].map((r) => ({ service, plan, zone, ...r }));
  });
  await db.insertInto('tariffs').values(rows).execute();
  await db
    .insertInto('service_norms')
    .values([
      { service: 'cold_water', quantity: 6.935, valid_from: '2017-01-01' },
      { service: 'hot_water', quantity: 4.745, valid_from: '2017-01-01' },
      { service: 'electricity', quantity: 98, valid_from: '2017-01-01' },
      { service: 'gas', quantity: 10, valid_from: '2017-01-01' },
      { service: 'heating', quantity: 0.0163, valid_from: '2017-01-01' },
    ])
    .execute();
  await db
    .insertInto('norm_multipliers')
    .values([
      { service: 'cold_water', multiplier: 1.5, valid_from: '2017-01-01' },
      // Government decree № 1871 of 2025-11-25.
      { service: 'cold_water', multiplier: 3, valid_from: '2025-12-06' },
      { service: 'hot_water', multiplier: 1.5, valid_from: '2017-01-01' },
      { service: 'drainage', multiplier: 1.5, valid_from: '2017-01-01' },
      { service: 'electricity', multiplier: 1.5, valid_from: '2017-01-01' },
    ])
    .execute();
  // The 15th of the following month since March 2026 (the due month is what counts), the 10th before.
  await db.insertInto('due_days').values([{ valid_from: '1970-01-01', day: 10 }, { valid_from: '2026-03-01', day: 15 }]).execute();
  await db
    .insertInto('key_rates')
    .values(
      [
        ['2023-12-18', 16], ['2024-07-29', 18], ['2024-09-16', 19], ['2024-10-28', 21], ['2025-06-09', 20],
        ['2025-07-28', 18], ['2025-09-15', 17], ['2025-10-27', 16.5], ['2025-12-22', 16], ['2026-02-16', 15.5],
        ['2026-04-27', 14.5], ['2026-06-22', 13], ['2026-09-14', 12], ['2026-10-26', 11],
      ].map(([valid_from, rate]) => ({ valid_from, rate })),
    )
    .execute();
  // Decree № 474 of 2022: at most the 9.5 % of 2022-02-27, until 2027-01-01.
  await db.insertInto('penalty_rate_caps').values([{ valid_from: '2022-02-28', cap: 9.5 }, { valid_from: '2027-01-01', cap: null }]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists meter_readings_period_idx`.execute(db);
  await sql`drop index if exists bills_period_idx`.execute(db);
  await db.schema.alterTable('bills').dropColumn('penalty_as_of').execute();
  await db.schema.alterTable('bill_lines').dropColumn('payee_id').dropColumn('zone').dropColumn('source').dropColumn('sort_order').execute();
  for (const table of ['bill_runs', 'pending_recalculations', 'payments', 'penalty_rate_caps', 'key_rates', 'due_days', 'norm_multipliers', 'service_norms']) {
    await db.schema.dropTable(table).execute();
  }
  await sql`delete from tariffs`.execute(db);
  await sql`drop index tariffs_lookup_key`.execute(db);
  await sql`alter table tariffs drop constraint tariffs_service_fk, drop constraint tariffs_valid_range, drop constraint tariffs_zone_in_plan`.execute(db);
  await db.schema.alterTable('tariffs').dropColumn('plan').dropColumn('zone').dropColumn('valid_to').dropColumn('created_by').execute();
  await sql`alter table tariffs add column unit text not null default ''`.execute(db);
  await sql`alter table tariffs add constraint tariffs_service_from_key unique (service, valid_from)`.execute(db);
  await db.schema.dropTable('services').execute();
  await db.schema.dropTable('payees').execute();
}
