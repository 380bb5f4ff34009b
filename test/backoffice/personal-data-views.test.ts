// Staff pages that show residents' personal data record who looked, at what and when
// (152-ФЗ): the queues, one request, an account, a found list, and the audit log itself.
import type { FastifyRequest } from 'fastify';
import t from 'tap';
import { readRecordingView } from '../../src/backoffice/audit/viewed.js';
import { testApp } from '../fixtures/app.js';
import { accountId, createResident, createStaff, demoResident, staffAgent } from '../fixtures/accounts.js';

t.test('every staff view of personal data is in the audit log', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, redis: false, env: { APP_TODAY: '2026-11-20' } });
  const moderatorId = await createStaff(db, ['moderator', 'admin']);
  const moderator = await staffAgent(app, db, config, moderatorId);
  const resident = await createResident(db);
  const provider = await db.selectFrom('providers').select('id').executeTakeFirstOrThrow();
  const link = await db
    .insertInto('account_links')
    .values({ resident_id: resident.id, requested_payer_code: '7700000010', requested_provider_id: provider.id, requested_flat: '10', consented_at: new Date() })
    .returning('id')
    .executeTakeFirstOrThrow();
  const account = await accountId(db, '7700000010');
  const change = await db
    .insertInto('dwelling_changes')
    .values({ payer_account_id: account, area: 55, residents_count: 2, effective_from: '2026-12-01', submitted_by: (await demoResident(db)).id, submitted_at: new Date() })
    .returning('id')
    .executeTakeFirstOrThrow();

  const pages: [string, string, string | null, string | null][] = [
    ['/admin/documents?page=1', 'identity.submissions.listed', null, null],
    ['/admin/link-requests?status=pending', 'link-requests.listed', null, null],
    [`/admin/link-requests/${link.id}`, 'link-request.viewed', 'account_link', String(link.id)],
    ['/admin/dwelling-requests', 'dwelling-requests.listed', null, null],
    [`/admin/dwelling-requests/${change.id}`, 'dwelling-request.viewed', 'dwelling_change', String(change.id)],
    ['/admin/accounts?q=7700000010', 'accounts.searched', null, null],
    [`/admin/accounts/${account}`, 'account.viewed', 'payer_account', String(account)],
    ['/admin/audit?action=account.viewed', 'audit.viewed', null, null],
  ];
  for (const [url] of pages) t.equal((await moderator.get(url)).statusCode, 200, url);

  const entries = await db
    .selectFrom('audit_log')
    .select(['action', 'subject_type', 'subject_id', 'details', 'ip'])
    .where('staff_id', '=', moderatorId)
    .orderBy('id')
    .execute();
  t.same(
    entries.map((e) => [e.action, e.subject_type, e.subject_id]),
    pages.map(([, action, type, id]) => [action, type, id]),
    'one entry per page, in order, naming what was seen',
  );
  t.ok(entries.every((e) => e.ip === '127.0.0.1'), 'with the address it was seen from');
  t.match(entries[5]!.details, { q: '7700000010', page: 1 }, 'a search records what was looked for');
  t.match(entries[7]!.details, { filter: { action: 'account.viewed' }, page: 1 }, 'reading the log records its filter');

  // The log page names these entries in Russian, linked to what was seen.
  const log = await moderator.get(`/admin/audit?staff=${moderatorId}`);
  t.match(log.body, 'Просмотр лицевого счёта');
  t.match(log.body, `<a href="/admin/accounts/${account}">Лицевой счёт № ${account}</a>`);
  t.match(log.body, 'Просмотр журнала действий');

  // A page that is not there records nothing.
  const before = entries.length + 1;
  t.equal((await moderator.get('/admin/accounts/999999')).statusCode, 404);
  t.equal((await moderator.get('/admin/link-requests/999999')).statusCode, 404);
  const after = await db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).where('staff_id', '=', moderatorId).executeTakeFirstOrThrow();
  t.equal(Number(after.n), before, 'only the last view of the log was added');
});

t.test('a list whose read fails still leaves the record of the attempt, and the failure reaches the page', async (t) => {
  const { db } = await testApp(t.teardown, { seed: false, redis: false });
  const staffId = await createStaff(db, ['moderator']);
  const request = { staff: { id: staffId }, ip: '203.0.113.9' } as unknown as FastifyRequest;
  const failing = Promise.reject(new Error('the list could not be read'));
  await t.rejects(readRecordingView(db, request, { action: 'link-requests.listed', details: { page: 1 } }, failing), /could not be read/);
  const listed = await readRecordingView(db, request, { action: 'meter-requests.listed' }, Promise.resolve(['a list']));
  t.same(listed, ['a list'], 'what the read gave comes back');
  const entries = await db.selectFrom('audit_log').select(['action', 'ip']).where('staff_id', '=', staffId).orderBy('id').execute();
  t.same(entries, [
    { action: 'link-requests.listed', ip: '203.0.113.9' },
    { action: 'meter-requests.listed', ip: '203.0.113.9' },
  ]);
});
