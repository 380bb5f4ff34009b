import t from 'tap';
import { sql } from 'kysely';
import { createMigrator, migrateDown, migrateToLatest } from '../../src/db/migrator.js';
import { freshDatabase } from '../fixtures/database.js';

async function tables(db: Parameters<typeof migrateToLatest>[0]): Promise<string[]> {
  const result = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = 'public' and table_name not like 'kysely_%' order by table_name`.execute(db);
  return result.rows.map((r) => r.table_name);
}

t.test('every migration goes up, and down again one step at a time, and up again', async (t) => {
  const { db } = await freshDatabase(t.teardown, { migrated: false });
  await migrateToLatest(db);
  const all = await createMigrator(db).getMigrations();
  t.ok(all.length >= 1);
  t.ok(all.every((m) => m.executedAt), 'all applied');
  const upTables = await tables(db);
  for (const table of ['sessions', 'outbox', 'sent_messages', 'residents', 'staff', 'audit_log', 'payer_accounts', 'bills', 'bill_lines']) {
    t.ok(upTables.includes(table), `${table} exists`);
  }
  for (let i = 0; i < all.length; i += 1) await migrateDown(db);
  t.same(await tables(db), [], 'all tables gone after every step down');
  await migrateToLatest(db);
  t.same(await tables(db), upTables, 'the same tables after going up again');
});

t.test('the audit log refuses UPDATE, DELETE and TRUNCATE', async (t) => {
  const { db } = await freshDatabase(t.teardown);
  await db.insertInto('audit_log').values({ staff_id: null, action: 'test.entry', details: '{}' }).execute();
  await t.rejects(sql`update audit_log set action = 'changed'`.execute(db), /append-only/);
  await t.rejects(sql`delete from audit_log`.execute(db), /append-only/);
  await t.rejects(sql`truncate audit_log`.execute(db), /append-only/);
  const rows = await db.selectFrom('audit_log').select('action').execute();
  t.same(rows, [{ action: 'test.entry' }]);
});
