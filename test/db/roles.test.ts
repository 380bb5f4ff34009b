// The web process connects as a member of `zhku_web` (migration 0010): it reads and
// writes the application's rows, but the audit log only grows, and nothing the role
// may do switches the log's protection off. Checked over a real connection as that role.
import t, { type Test } from 'tap';
import pg from 'pg';
import { asWebRole, freshDatabase } from '../fixtures/database.js';

const PERMISSION_DENIED = '42501';

async function asWeb(url: string, teardown: (fn: () => unknown) => void): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: await asWebRole(url) });
  await client.connect();
  teardown(() => client.end());
  return client;
}

async function refused(t: Test, client: pg.Client, statement: string): Promise<void> {
  await client.query('savepoint attempt');
  try {
    await client.query(statement);
    t.fail(`the web role was allowed: ${statement}`);
  } catch (error) {
    t.equal((error as { code?: string }).code, PERMISSION_DENIED, `refused: ${statement}`);
  }
  await client.query('rollback to savepoint attempt');
}

t.test('the web role appends to the audit log and reads it, and can do nothing else to it', async (t) => {
  const { db, url } = await freshDatabase(t.teardown);
  const web = await asWeb(url, t.teardown);
  const who = await web.query('select current_user as name, usesuper from pg_user where usename = current_user');
  t.same(who.rows, [{ name: 'zhku_test_web', usesuper: false }], 'connected as an ordinary login role');

  await web.query(`insert into audit_log (action, details) values ('staff.sign-in', '{}')`);
  const read = await web.query('select action from audit_log');
  t.same(read.rows, [{ action: 'staff.sign-in' }], 'insert and select work');

  await web.query('begin');
  await refused(t, web, `update audit_log set action = 'rewritten'`);
  await refused(t, web, 'delete from audit_log');
  await refused(t, web, 'truncate audit_log');
  await refused(t, web, 'alter table audit_log disable trigger audit_log_append_only');
  await refused(t, web, 'alter table audit_log disable trigger all');
  await refused(t, web, 'drop trigger audit_log_append_only on audit_log');
  await refused(t, web, 'drop table audit_log');
  await refused(t, web, `set session_replication_role = replica`);
  // A grant by a role without the grant option only warns, and gives nothing.
  await web.query('grant update, delete, truncate on audit_log to zhku_web');
  const rights = await web.query(`select has_table_privilege('audit_log', 'update') as u, has_table_privilege('audit_log', 'delete') as d, has_table_privilege('audit_log', 'truncate') as tr`);
  t.same(rights.rows, [{ u: false, d: false, tr: false }], 'the role cannot grant itself more');
  await web.query('rollback');

  const kept = await db.selectFrom('audit_log').select('action').execute();
  t.same(kept, [{ action: 'staff.sign-in' }], 'the entry is unchanged');
  const triggers = await web.query(`select tgname, tgenabled from pg_trigger where tgrelid = 'audit_log'::regclass and not tgisinternal order by tgname`);
  t.same(triggers.rows, [{ tgname: 'audit_log_append_only', tgenabled: 'O' }, { tgname: 'audit_log_no_truncate', tgenabled: 'O' }], 'both triggers still on');
});

t.test('the web role works with the application tables but cannot change the schema or the migration history', async (t) => {
  const { url } = await freshDatabase(t.teardown);
  const web = await asWeb(url, t.teardown);
  await web.query('begin');
  const provider = await web.query(`insert into providers (name, inn) values ('ГБУ «Проверка»', '7710000008') returning id`);
  await web.query(`update providers set name = 'ГБУ «Проверка прав»' where id = $1`, [provider.rows[0].id]);
  await web.query('delete from providers where id = $1', [provider.rows[0].id]);
  t.pass('insert, update and delete on an application table');
  // The bill run works in temporary tables.
  await web.query('create temp table scratch on commit drop as select 1 as n');
  t.pass('temporary tables');
  await refused(t, web, 'create table public.intruder (id int)');
  await refused(t, web, 'alter table residents add column note text');
  await refused(t, web, 'truncate sessions');
  await refused(t, web, 'select * from kysely_migration');
  await refused(t, web, `delete from kysely_migration`);
  await web.query('rollback');
});
