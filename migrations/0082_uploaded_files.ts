import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';

// Uploaded files (identity scans, the papers behind a dwelling request, verification
// certificates, request photos) live in the database, not on one process's disk:
// any web process behind the proxy can serve a file another one received, and the
// backup of the database is the backup of the files. The owning row references its
// bytes; deleting the bytes (the identity retention job) leaves the row with no file.
const OWNERS = ['identity_documents', 'dwelling_documents', 'meter_requests', 'service_request_photos'] as const;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('uploaded_files')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('bytes', 'bytea', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // Scans and photos arrive compressed already: storing them out of line without
  // trying to compress them again saves the CPU and changes nothing in size.
  await sql`alter table uploaded_files alter column bytes set storage external`.execute(db);
  for (const table of OWNERS) {
    await db.schema
      .alterTable(table)
      .addColumn('file_id', 'integer', (c) => c.unique().references('uploaded_files.id').onDelete('set null'))
      .execute();
    await importFiles(db, table);
    await db.schema.alterTable(table).dropColumn('stored_name').execute();
  }
}

/**
 * Earlier versions kept each file under DATA_DIR/uploads by the row's stored name:
 * its bytes move into the table. A file already missing (deleted by the identity
 * retention job) leaves the row without one, as the job does now.
 */
async function importFiles(db: Kysely<any>, table: (typeof OWNERS)[number]): Promise<void> {
  const dir = path.join(path.resolve(process.env.DATA_DIR ?? './data'), 'uploads');
  const rows: { id: number; stored_name: string }[] = await db.selectFrom(table).select(['id', 'stored_name']).orderBy('id').execute();
  for (const row of rows) {
    const bytes = await readFile(path.join(dir, path.basename(row.stored_name))).catch(() => null);
    if (!bytes) continue;
    const file = await db.insertInto('uploaded_files').values({ bytes }).returning('id').executeTakeFirstOrThrow();
    await db.updateTable(table).set({ file_id: file.id }).where('id', '=', row.id).execute();
  }
}

// Going back gives the rows a stored name again but leaves the bytes in no file:
// only for stepping a development database back and forth.
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of OWNERS) {
    await db.schema.alterTable(table).addColumn('stored_name', 'text').execute();
    await sql`update ${sql.table(table)} set stored_name = ${sql.lit(table + '-')} || id`.execute(db);
    await sql`alter table ${sql.table(table)} alter column stored_name set not null, add unique (stored_name)`.execute(db);
    await db.schema.alterTable(table).dropColumn('file_id').execute();
  }
  await db.schema.dropTable('uploaded_files').execute();
}
