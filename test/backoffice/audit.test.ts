import t from 'tap';
import { sql } from 'kysely';
import { auditActions, auditActionsQuery } from '../../src/backoffice/audit/service.js';
import { csvCell, csvLine } from '../../src/lib/csv.js';
import { dayAfter, dayStart, filterQuery, parseAuditQuery } from '../../src/backoffice/audit/filter.js';
import { parseDay } from '../../src/lib/calendar.js';
import type { Db } from '../../src/db/index.js';
import { Agent, testApp } from '../fixtures/app.js';
import { sessionCookie } from '../fixtures/sessions.js';
import { recordAudit } from '../../src/audit/writer.js';

async function staffId(db: Db, email: string) {
  return (await db.selectFrom('staff').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
}

/** A minimal RFC 4180 reader, to check the export parses back to what was written. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; }
    else cell += c;
  }
  return rows;
}

t.test('the database refuses UPDATE, DELETE and TRUNCATE on the audit log', async (t) => {
  const { db } = await testApp(t.teardown, { seed: true, redis: false });
  await recordAudit(db, { staffId: await staffId(db, 'admin@demo.local'), action: 'audit.exported', details: { a: 1 }, ip: '10.0.0.1' });
  await t.rejects(sql`update audit_log set action = 'test.changed'`.execute(db), /audit_log is append-only: UPDATE is not allowed/);
  await t.rejects(sql`delete from audit_log`.execute(db), /audit_log is append-only: DELETE is not allowed/);
  await t.rejects(sql`truncate audit_log`.execute(db), /audit_log is append-only: TRUNCATE is not allowed/);
  // Not even inside a transaction that then commits.
  await t.rejects(db.transaction().execute(async (trx) => {
    await recordAudit(trx, { staffId: null, action: 'staff.sign-out' });
    await trx.deleteFrom('audit_log').where('action', '=', 'audit.exported').execute();
  }));
  const rows = await db.selectFrom('audit_log').select(['action', 'details', 'ip']).execute();
  t.same(rows, [{ action: 'audit.exported', details: { a: 1 }, ip: '10.0.0.1' }]);
});

t.test('the «Журнал действий» page filters, pages and exports', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, redis: false });
  const adminId = await staffId(db, 'admin@demo.local');
  const moderatorId = await staffId(db, 'moderator@demo.local');
  // 60 sign-ins of the moderator on 2026-11-01, 5 role changes by the admin on 2026-11-20 (Moscow).
  const rows = [
    ...Array.from({ length: 60 }, (_, i) => ({
      staff_id: moderatorId, action: 'staff.sign-in', subject_type: 'staff', subject_id: String(moderatorId),
      details: JSON.stringify({ n: i }), ip: '10.0.0.2', created_at: new Date(Date.UTC(2026, 9, 31, 21, 0, i)),
    })),
    ...Array.from({ length: 5 }, (_, i) => ({
      staff_id: adminId, action: 'staff.roles-changed', subject_type: 'staff', subject_id: String(moderatorId),
      details: JSON.stringify({ note: i === 0 ? 'запятая, "кавычки"\nи перенос' : `=HYPERLINK("x")` }),
      ip: '10.0.0.1', created_at: new Date(Date.UTC(2026, 10, 20, 8, 0, i)),
    })),
  ];
  await db.insertInto('audit_log').values(rows).execute();
  const cookie = await sessionCookie(db, config, { staffId: adminId });
  const admin = new Agent(app).setCookie(cookie.name, cookie.value);

  const all = await admin.get('/admin/audit');
  t.equal(all.statusCode, 200);
  t.match(all.body, /Найдено записей: <strong>65<\/strong>/);
  t.match(all.body, /Страница 1 из 2/);
  t.equal((all.body.match(/<tr>/g) ?? []).length - 1, 50, '50 rows on a page');
  t.match(all.body, /Изменение ролей/, 'actions by their Russian name');
  for (const label of ['Сотрудник', 'Действие', 'С', 'По']) t.match(all.body, `>${label}</label>`);
  t.match(all.body, /<option value="staff.roles-changed">Изменение ролей<\/option>/);

  // Reading the log is recorded, after the page's own query: the first view showed 65.
  const second = await admin.get('/admin/audit?page=2');
  t.equal((second.body.match(/<tr>/g) ?? []).length - 1, 16, 'the 65 entries and the first view of the log');
  t.match(second.body, /href="\/admin\/audit" rel="prev"/);

  const byStaff = await admin.get(`/admin/audit?staff=${adminId}`);
  t.match(byStaff.body, /Найдено записей: <strong>7<\/strong>/, 'the five role changes and the admin\'s two views of the log');
  t.match(byStaff.body, /Просмотр журнала действий/);
  t.match(byStaff.body, `<a href="/admin/staff/${moderatorId}">Сотрудник № ${moderatorId}</a>`, 'the object by its Russian name, linked');
  t.match(byStaff.body, '<span class="audit__line">note: =HYPERLINK(&quot;x&quot;)</span>', 'details as name: value lines, escaped');
  t.match(all.body, /<a href="\/admin\/audit" aria-current="page">Журнал действий<\/a>/, 'the navigation marks the current page');
  t.match(all.body, '<title>Журнал действий — Служебный кабинет ЖКУ</title>');
  t.match(byStaff.body, new RegExp(`<option value="${adminId}" selected>`));
  const byAction = await admin.get('/admin/audit?action=staff.sign-in');
  t.match(byAction.body, /Найдено записей: <strong>60<\/strong>/);
  t.match(byAction.body, /href="\/admin\/audit\?action=staff.sign-in&amp;page=2" rel="next"/, 'pages keep the filters');
  // Dates are Moscow days: 2026-10-31 21:00 UTC is 2026-11-01 00:00 in Moscow.
  t.match((await admin.get('/admin/audit?from=2026-11-01&to=2026-11-01')).body, /Найдено записей: <strong>60<\/strong>/);
  t.match((await admin.get('/admin/audit?action=staff.roles-changed&from=02.11.2026')).body, /Найдено записей: <strong>5<\/strong>/);
  t.match((await admin.get('/admin/audit?to=2026-10-31')).body, /Записей нет/);

  const bad = await admin.get('/admin/audit?from=2026-13-45&to=2026-01-01');
  t.equal(bad.statusCode, 422);
  t.match(bad.body, /Введите дату в формате ДД\.ММ\.ГГГГ/);

  const csv = await admin.get(`/admin/audit/export.csv?staff=${adminId}&action=staff.roles-changed`);
  t.equal(csv.statusCode, 200);
  t.match(csv.headers['content-type'], /^text\/csv; charset=utf-8/);
  t.match(csv.headers['content-disposition'], /^attachment; filename="audit-\d{4}-\d{2}-\d{2}\.csv"$/);
  t.ok(csv.body.startsWith('\uFEFF'), 'a BOM for spreadsheets');
  const table = parseCsv(csv.body.slice(1));
  t.same(table[0], ['Время (МСК)', 'Сотрудник', 'Электронная почта сотрудника', 'Действие', 'Код действия', 'Объект', 'Подробности', 'IP-адрес']);
  t.equal(table.length, 6, 'a header and the five entries of the filter');
  t.equal(table[1]![0], '2026-11-20 11:00:04', 'newest first');
  const oldest = table[5]!;
  t.same(oldest.slice(0, 6), ['2026-11-20 11:00:00', 'Анна Администратова', 'admin@demo.local', 'Изменение ролей', 'staff.roles-changed', `staff #${moderatorId}`]);
  t.same(JSON.parse(oldest[6]!), { note: 'запятая, "кавычки"\nи перенос' }, 'commas, quotes and line breaks survive');
  t.match(csv.body, /"\{""note"":""запятая, \\""кавычки\\""\\nи перенос""\}"/);

  // A name typed by an admin that a spreadsheet would run as a formula.
  const evil = await db.insertInto('staff').values({ email: 'evil@demo.local', full_name: '=HYPERLINK("http://evil.example")', roles: ['dispatcher'] }).returning('id').executeTakeFirstOrThrow();
  await recordAudit(db, { staffId: evil.id, action: 'staff.sign-in' });
  const evilCsv = parseCsv((await admin.get(`/admin/audit/export.csv?staff=${evil.id}`)).body.slice(1));
  t.equal(evilCsv[1]![1], `'=HYPERLINK("http://evil.example")`, 'a cell that starts like a formula is defused');

  const exported = await db.selectFrom('audit_log').selectAll().where('action', '=', 'audit.exported').execute();
  t.equal(exported.length, 2, 'each export is itself audited');
  t.match(exported[0]!.details, { filter: { staffId: adminId } });
});

t.test('the CSV export reads the log in batches, every row once', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, redis: false });
  const adminId = await staffId(db, 'admin@demo.local');
  const at = new Date('2026-11-10T10:00:00Z');
  // 2 500 rows, many with the same time: the keyset must not skip or repeat any.
  await db.insertInto('audit_log').values(
    Array.from({ length: 2500 }, (_, i) => ({ staff_id: adminId, action: 'test.bulk', details: JSON.stringify({ i }), created_at: new Date(at.getTime() + Math.floor(i / 7) * 1000) })),
  ).execute();
  const cookie = await sessionCookie(db, config, { staffId: adminId });
  const csv = await new Agent(app).setCookie(cookie.name, cookie.value).get('/admin/audit/export.csv?action=test.bulk');
  const numbers = parseCsv(csv.body.slice(1)).slice(1).map((row) => (JSON.parse(row[6]!) as { i: number }).i);
  t.equal(numbers.length, 2500);
  t.equal(new Set(numbers).size, 2500);
});

t.test('the action filter reads one index entry per action, not the whole log', async (t) => {
  const { db } = await testApp(t.teardown, { redis: false });
  await sql`
    insert into audit_log (staff_id, action, details)
    select null, (array['c.third', 'a.first', 'b.second'])[1 + g % 3], '{}'
    from generate_series(1, 3000) g`.execute(db);
  await sql`analyze audit_log`.execute(db);
  t.same((await auditActions(db)).map((a) => a.action), ['a.first', 'b.second', 'c.third']);

  type PlanNode = { 'Relation Name'?: string; 'Actual Rows': number; 'Actual Loops': number; Plans?: PlanNode[] };
  const explained = await sql<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>`explain (analyze, format json) ${auditActionsQuery}`.execute(db);
  let rowsRead = 0;
  const walk = (node: PlanNode) => {
    if (node['Relation Name'] === 'audit_log') rowsRead += node['Actual Rows'] * node['Actual Loops'];
    node.Plans?.forEach(walk);
  };
  walk(explained.rows[0]!['QUERY PLAN'][0].Plan);
  t.ok(rowsRead <= 10, `audit_log rows read for the filter form: ${rowsRead} of 3000`);
});

t.test('csv cells: quoting and formula defusing', async (t) => {
  t.equal(csvCell('plain'), 'plain');
  t.equal(csvCell(null), '');
  t.equal(csvCell(undefined), '');
  t.equal(csvCell(42), '42');
  t.equal(csvCell(-5), '-5', 'numbers are not formulas');
  t.equal(csvCell('a,b'), '"a,b"');
  t.equal(csvCell('say "hi"'), '"say ""hi"""');
  t.equal(csvCell('two\nlines'), '"two\nlines"');
  t.equal(csvCell('=1+1'), "'=1+1");
  t.equal(csvCell('+7 916'), "'+7 916");
  t.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
  t.equal(csvCell('-1,2'), `"'-1,2"`);
  t.equal(csvLine(['a', null, 'b"c']), 'a,,"b""c"\r\n');
});

t.test('filter parsing', async (t) => {
  t.equal(parseDay('2026-11-27'), '2026-11-27');
  t.equal(parseDay('7.1.2026'), '2026-01-07');
  t.equal(parseDay('2026-02-30'), null);
  t.equal(parseDay('завтра'), null);
  t.same(parseAuditQuery({}), { filter: { staffId: null, action: null, from: null, to: null }, page: 1, errors: {} });
  t.same(parseAuditQuery({ staff: '12', action: ' staff.sign-in ', from: '01.11.2026', to: '2026-11-30', page: '3' }), {
    filter: { staffId: 12, action: 'staff.sign-in', from: '2026-11-01', to: '2026-11-30' },
    page: 3,
    errors: {},
  });
  const swapped = parseAuditQuery({ from: '2026-11-30', to: '2026-11-01', page: '0', staff: 'x' });
  t.equal(swapped.errors.to, 'Дата «По» должна быть не раньше даты «С»');
  t.equal(swapped.page, 1);
  t.equal(swapped.filter.staffId, null);
  t.equal(filterQuery({ staffId: 3, action: 'a b', from: null, to: '2026-11-30' }, 2), '?staff=3&action=a+b&to=2026-11-30&page=2');
  t.equal(filterQuery({ staffId: null, action: null, from: null, to: null }, 1), '');
  t.equal(dayStart('2026-11-01').toISOString(), '2026-10-31T21:00:00.000Z');
  t.equal(dayAfter('2026-11-01').toISOString(), '2026-11-01T21:00:00.000Z');
});
