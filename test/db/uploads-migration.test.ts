import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { sql } from 'kysely';
import { createMigrator, migrateToLatest } from '../../src/db/migrator.js';
import { sampleScanPng } from '../../src/features/identity/sample-scan.js';
import { sha256Hex } from '../../src/lib/hash.js';
import { createResident } from '../fixtures/accounts.js';
import { freshDatabase } from '../fixtures/database.js';
import { uploadedBytes } from '../fixtures/identity.js';
import { testTempDir } from '../fixtures/temp.js';

t.test('files an earlier version kept under DATA_DIR/uploads move into the database', async (t) => {
  const { db } = await freshDatabase(t.teardown, { migrated: false });
  const migrated = await createMigrator(db).migrateTo('0081_link_queue_order');
  t.notOk(migrated.error, 'up to the last migration before the move');

  const dataDir = testTempDir('legacy-');
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  mkdirSync(path.join(dataDir, 'uploads'));
  const scan = sampleScanPng();
  writeFileSync(path.join(dataDir, 'uploads', 'kept.png'), scan);

  const resident = await createResident(db, { identityStatus: 'pending' });
  const now = new Date();
  const submission = await sql<{ id: number }>`
    insert into identity_submissions (resident_id, document_kind, consent_text, consented_at, created_at)
    values (${resident.id}, 'passport', 'согласие', ${now}, ${now}) returning id`.execute(db);
  const submissionId = submission.rows[0]!.id;
  for (const name of ['kept.png', 'already-deleted.png']) {
    await sql`
      insert into identity_documents (submission_id, stored_name, original_name, mime_type, size_bytes, sha256, created_at)
      values (${submissionId}, ${name}, ${name}, 'image/png', ${scan.length}, ${sha256Hex(scan)}, ${now})`.execute(db);
  }

  const before = process.env.DATA_DIR;
  process.env.DATA_DIR = dataDir;
  try {
    await migrateToLatest(db);
  } finally {
    if (before === undefined) delete process.env.DATA_DIR;
    else process.env.DATA_DIR = before;
  }

  const rows = await db.selectFrom('identity_documents').select(['original_name', 'file_id']).orderBy('id').execute();
  t.same(rows.map((r) => r.original_name), ['kept.png', 'already-deleted.png']);
  t.same(await uploadedBytes(db, rows[0]!.file_id), scan, 'the file on disk is now in uploaded_files');
  t.equal(rows[1]!.file_id, null, 'a file already gone leaves the row without one');
  const columns = await sql<{ column_name: string }>`
    select column_name from information_schema.columns where table_name = 'identity_documents' and column_name = 'stored_name'`.execute(db);
  t.same(columns.rows, [], 'the file name column is gone');
});
