import { sql, type Kysely } from 'kysely';

// «Главная» asks whether the resident has ever sent a reading (the first-run list).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('meter_readings_submitted_by_idx')
    .on('meter_readings')
    .column('submitted_by')
    .where(sql.ref('submitted_by'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('meter_readings_submitted_by_idx').execute();
}
