import { sql, type Kysely } from 'kysely';

// A document behind a dwelling request (e.g. an ownership extract or a temporary
// registration), checked by its bytes and stored like identity scans: a random
// name under the upload folder, never served publicly. One per request.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('dwelling_documents')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('dwelling_change_id', 'integer', (c) => c.notNull().unique().references('dwelling_changes.id'))
    .addColumn('stored_name', 'text', (c) => c.notNull().unique())
    .addColumn('original_name', 'text', (c) => c.notNull())
    .addColumn('mime_type', 'text', (c) => c.notNull().check(sql`mime_type in ('image/jpeg', 'image/png', 'application/pdf')`))
    .addColumn('size_bytes', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('dwelling_documents').execute();
}
