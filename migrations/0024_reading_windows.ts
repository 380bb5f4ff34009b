import { sql, type Kysely } from 'kysely';

// Reading submission windows per resource as dated rows (DOMAIN.md: water from the
// 15th to the 3rd of the next month, electricity from the 15th to the 26th). Gas
// and heat get rows of their own: DOMAIN.md names no separate rule for them, so
// they start with the ЕПД window of water and change by adding a dated row.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('reading_windows')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('resource', 'text', (c) => c.notNull().check(sql`resource in ('cold_water', 'hot_water', 'electricity', 'gas', 'heat')`))
    .addColumn('valid_from', 'date', (c) => c.notNull())
    .addColumn('opens_day', 'integer', (c) => c.notNull().check(sql`opens_day between 1 and 28`))
    .addColumn('closes_day', 'integer', (c) => c.notNull().check(sql`closes_day between 1 and 28`))
    // Closes in the month after the period (water) or in the period's own month (electricity).
    .addColumn('closes_next_month', 'boolean', (c) => c.notNull())
    .addUniqueConstraint('reading_windows_resource_from_key', ['resource', 'valid_from'])
    .addCheckConstraint('reading_windows_order', sql`closes_next_month or closes_day >= opens_day`)
    .execute();
  await db
    .insertInto('reading_windows')
    .values([
      { resource: 'cold_water', valid_from: '2020-01-01', opens_day: 15, closes_day: 3, closes_next_month: true },
      { resource: 'hot_water', valid_from: '2020-01-01', opens_day: 15, closes_day: 3, closes_next_month: true },
      { resource: 'electricity', valid_from: '2020-01-01', opens_day: 15, closes_day: 26, closes_next_month: false },
      { resource: 'gas', valid_from: '2020-01-01', opens_day: 15, closes_day: 3, closes_next_month: true },
      { resource: 'heat', valid_from: '2020-01-01', opens_day: 15, closes_day: 3, closes_next_month: true },
    ])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('reading_windows').execute();
}
