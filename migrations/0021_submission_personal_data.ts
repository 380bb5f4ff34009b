import type { Kysely } from 'kysely';

// The name and date of birth the resident typed with their documents; the
// moderator compares them with the scan, and on approval they become the
// resident's confirmed personal data. Null on submissions made before.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('identity_submissions')
    .addColumn('last_name', 'text')
    .addColumn('first_name', 'text')
    .addColumn('middle_name', 'text')
    .addColumn('birth_date', 'date')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('identity_submissions')
    .dropColumn('birth_date')
    .dropColumn('middle_name')
    .dropColumn('first_name')
    .dropColumn('last_name')
    .execute();
}
