import { sql, type Kysely } from 'kysely';

// The resident's confirmed personal data: name and date of birth, set when a
// moderator confirms the documents or when Госуслуги (ЕСИА) vouches for them,
// and where the confirmation came from. Null until the identity is confirmed.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('residents')
    .addColumn('last_name', 'text')
    .addColumn('first_name', 'text')
    .addColumn('middle_name', 'text')
    .addColumn('birth_date', 'date')
    .addColumn('identity_source', 'text', (c) => c.check(sql`identity_source in ('documents', 'esia')`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('residents')
    .dropColumn('identity_source')
    .dropColumn('birth_date')
    .dropColumn('middle_name')
    .dropColumn('first_name')
    .dropColumn('last_name')
    .execute();
}
