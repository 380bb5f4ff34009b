import t from 'tap';
import type { StaffRole } from '../../src/db/schema.js';
import { queuesFor } from '../../src/backoffice/home/queues.js';
import { Agent, testApp } from '../fixtures/app.js';
import { sessionCookie } from '../fixtures/sessions.js';

type Who = StaffRole[] | 'resident' | 'anonymous';
type Route = { method: 'GET' | 'POST'; url: string; form?: Record<string, string>; allowed: StaffRole[] | 'any-staff'; status: number };

const WHO: Record<string, Who> = {
  admin: ['admin'],
  moderator: ['moderator'],
  dispatcher: ['dispatcher'],
  'moderator and dispatcher': ['moderator', 'dispatcher'],
  resident: 'resident',
  anonymous: 'anonymous',
};

t.test('role matrix: every back-office route, for every kind of visitor', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, redis: false });
  const target = await db
    .insertInto('staff')
    .values({ email: 'target@demo.local', full_name: 'Тимур Целевой', roles: ['dispatcher'], password_hash: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  // What the moderators' and registry pages open: the seeded waiting submission, a link request, an account and its meter.
  const document = await db
    .selectFrom('identity_documents as d')
    .innerJoin('identity_submissions as s', 's.id', 'd.submission_id')
    .select(['d.id', 'd.submission_id'])
    .where('s.status', '=', 'pending')
    .executeTakeFirstOrThrow();
  const meter = await db
    .selectFrom('meters as m')
    .innerJoin('payer_accounts as pa', 'pa.id', 'm.payer_account_id')
    .select(['m.id', 'm.payer_account_id', 'pa.payer_code'])
    .where('m.active', '=', true)
    .orderBy('m.id')
    .executeTakeFirstOrThrow();
  const waiting = await db.selectFrom('residents').select('id').where('email', '=', 'waiting@demo.local').executeTakeFirstOrThrow();
  const provider = await db.selectFrom('providers').select('id').orderBy('id').executeTakeFirstOrThrow();
  const link = await db
    .insertInto('account_links')
    .values({ resident_id: waiting.id, requested_payer_code: meter.payer_code, requested_provider_id: provider.id, requested_flat: '1', consented_at: new Date() })
    .returning('id')
    .executeTakeFirstOrThrow();
  const submission = `/admin/documents/${document.submission_id}`;
  const account = `/admin/accounts/${meter.payer_account_id}`;

  const routes: Route[] = [
    // Forms sent empty: allowed staff get the form back (422), so nothing is decided here.
    { method: 'GET', url: '/admin/documents', allowed: ['moderator'], status: 200 },
    { method: 'GET', url: submission, allowed: ['moderator'], status: 200 },
    { method: 'GET', url: `${submission}/files/${document.id}`, allowed: ['moderator'], status: 200 },
    { method: 'POST', url: `${submission}/rejection`, allowed: ['moderator'], status: 422 },
    { method: 'GET', url: '/admin/link-requests', allowed: ['moderator'], status: 200 },
    { method: 'GET', url: '/admin/meter-requests', allowed: ['moderator'], status: 200 },
    { method: 'GET', url: `/admin/link-requests/${link.id}`, allowed: ['moderator'], status: 200 },
    { method: 'POST', url: `/admin/link-requests/${link.id}/rejection`, allowed: ['moderator'], status: 422 },
    { method: 'GET', url: `/admin/accounts?q=${meter.payer_code}`, allowed: ['moderator', 'admin'], status: 200 },
    { method: 'GET', url: account, allowed: ['moderator', 'admin'], status: 200 },
    { method: 'GET', url: `${account}/meters/${meter.id}/replacement`, allowed: ['moderator', 'admin'], status: 200 },
    { method: 'POST', url: `${account}/meters/${meter.id}/replacement`, allowed: ['moderator', 'admin'], status: 422 },
    { method: 'GET', url: '/admin', allowed: 'any-staff', status: 200 },
    { method: 'GET', url: '/admin/account/totp', allowed: 'any-staff', status: 200 },
    { method: 'POST', url: '/admin/account/totp/key', allowed: 'any-staff', status: 303 },
    { method: 'GET', url: '/admin/staff', allowed: ['admin'], status: 200 },
    { method: 'GET', url: '/admin/staff/new', allowed: ['admin'], status: 200 },
    { method: 'POST', url: '/admin/staff', form: { full_name: '', email: '' }, allowed: ['admin'], status: 422 },
    { method: 'GET', url: `/admin/staff/${target.id}`, allowed: ['admin'], status: 200 },
    { method: 'POST', url: `/admin/staff/${target.id}/roles`, form: { roles: 'moderator' }, allowed: ['admin'], status: 303 },
    { method: 'POST', url: `/admin/staff/${target.id}/invitation`, allowed: ['admin'], status: 303 },
    { method: 'POST', url: `/admin/staff/${target.id}/totp-removal`, allowed: ['admin'], status: 303 },
    { method: 'GET', url: `/admin/staff/${target.id}/deactivation`, allowed: ['admin'], status: 200 },
    { method: 'GET', url: '/admin/audit', allowed: ['admin'], status: 200 },
    { method: 'GET', url: '/admin/audit/export.csv', allowed: ['admin'], status: 200 },
    // Last: it switches the target off.
    { method: 'POST', url: `/admin/staff/${target.id}/deactivation`, allowed: ['admin'], status: 303 },
  ];

  const residentId = (await db.selectFrom('residents').select('id').where('email', '=', 'resident@demo.local').executeTakeFirstOrThrow()).id;
  const agents = new Map<string, Agent>();
  for (const [name, who] of Object.entries(WHO)) {
    const agent = new Agent(app);
    if (who === 'resident') {
      const cookie = await sessionCookie(db, config, { residentId });
      agent.setCookie(cookie.name, cookie.value);
      await agent.get('/admin/login'); // a CSRF token, as any visitor of the sign-in page has
    } else if (who === 'anonymous') {
      await agent.get('/admin/login');
    } else {
      const staff = await db
        .insertInto('staff')
        .values({ email: `${name.replace(/ /g, '-')}@matrix.local`, full_name: `Сотрудник ${name}`, roles: who, password_hash: 'x' })
        .returning('id')
        .executeTakeFirstOrThrow();
      const cookie = await sessionCookie(db, config, { staffId: staff.id });
      agent.setCookie(cookie.name, cookie.value);
      t.equal((await agent.get('/admin')).statusCode, 200, `${name} is signed in`);
    }
    agents.set(name, agent);
  }

  for (const route of routes) {
    for (const [name, who] of Object.entries(WHO)) {
      const agent = agents.get(name)!;
      const response = route.method === 'GET' ? await agent.get(route.url) : await agent.post(route.url, route.form ?? {});
      const label = `${route.method} ${route.url} as ${name}`;
      if (who === 'resident' || who === 'anonymous') {
        t.equal(response.statusCode, 303, `${label}: sent to sign in`);
        t.match(response.headers.location, /^\/admin\/login\?next=/, label);
        continue;
      }
      const allowed = route.allowed === 'any-staff' || route.allowed.some((role) => who.includes(role));
      if (allowed) {
        t.equal(response.statusCode, route.status, `${label}: allowed`);
        t.equal(response.headers['cache-control'], 'no-store', `${label}: not kept in the browser's cache`);
      }
      else {
        t.equal(response.statusCode, 403, `${label}: forbidden`);
        t.match(response.body, /Доступ запрещён/);
      }
    }
  }

  // The forbidden attempts changed nothing; the admin's did.
  const after = await db.selectFrom('staff').select(['roles', 'active']).where('id', '=', target.id).executeTakeFirstOrThrow();
  t.same(after, { roles: ['moderator'], active: false });
  const stillWaiting = await db.selectFrom('identity_submissions').select('status').where('id', '=', document.submission_id).executeTakeFirstOrThrow();
  t.equal(stillWaiting.status, 'pending');
  const stillOpen = await db.selectFrom('account_links').select('status').where('id', '=', link.id).executeTakeFirstOrThrow();
  t.equal(stillOpen.status, 'pending');
  const stillActive = await db.selectFrom('meters').select('active').where('id', '=', meter.id).executeTakeFirstOrThrow();
  t.equal(stillActive.active, true);
});

t.test('the back-office home lists what waits for the roles of the staff member', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, redis: false });
  const id = async (email: string) => (await db.selectFrom('staff').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
  const admin = new Agent(app);
  const adminCookie = await sessionCookie(db, config, { staffId: await id('admin@demo.local') });
  admin.setCookie(adminCookie.name, adminCookie.value);

  const empty = await admin.get('/admin');
  t.match(empty.body, /<a href="\/admin\/staff">Приглашённые сотрудники без пароля<\/a><\/td>\s*<td><span class="empty">Очередь пуста<\/span>/);
  t.match(empty.body, /Анна Администратова \(admin@demo\.local\) — администратор/, 'who is signed in, with which roles');

  await db.insertInto('staff').values([
    { email: 'new1@demo.local', full_name: 'Новый Первый', roles: ['moderator'], password_hash: null },
    { email: 'new2@demo.local', full_name: 'Новый Второй', roles: ['moderator'], password_hash: null },
  ]).execute();
  t.match((await admin.get('/admin')).body, /Приглашённые сотрудники без пароля<\/a><\/td>\s*<td><strong>2<\/strong>/);

  const dispatcher = new Agent(app);
  const dispatcherCookie = await sessionCookie(db, config, { staffId: await id('dispatcher@demo.local') });
  dispatcher.setCookie(dispatcherCookie.name, dispatcherCookie.value);
  const dispatcherHome = await dispatcher.get('/admin');
  t.notMatch(dispatcherHome.body, /Приглашённые сотрудники/, 'an admin queue is not shown to a dispatcher');
  t.match(dispatcherHome.body, /Дарья Диспетчерова \(dispatcher@demo\.local\) — диспетчер/);
  t.match(dispatcherHome.body, /Новые заявки<\/a>[\s\S]*Просроченные заявки<\/a>/, 'the dispatcher sees the request queues');
  t.notMatch(dispatcherHome.body, /href="\/admin\/staff">Сотрудники/, 'admin sections are not offered to others');
  t.match(empty.body, /href="\/admin\/staff">Сотрудники<\/a>[\s\S]*href="\/admin\/audit">Журнал действий<\/a>/);

  const moderator = new Agent(app);
  const moderatorCookie = await sessionCookie(db, config, { staffId: await id('moderator@demo.local') });
  moderator.setCookie(moderatorCookie.name, moderatorCookie.value);
  const pending = await db.selectFrom('account_links').select('id').where('status', '=', 'pending').execute();
  const shown = pending.length === 0 ? '<span class="empty">Очередь пуста</span>' : `<strong>${pending.length}</strong>`;
  t.match((await moderator.get('/admin')).body, `<a href="/admin/link-requests">Заявки на подключение</a></td>\n        <td>${shown}</td>`);
});

t.test('queues: each is shown to its roles; a count of null means not counted', async (t) => {
  const { db } = await testApp(t.teardown, { redis: false });
  const queues = [
    { title: 'Проверка документов', href: '/admin/documents', roles: ['moderator'] as StaffRole[], count: async () => 3 },
    { title: 'Объявления', href: '/admin/notices', roles: ['dispatcher', 'admin'] as StaffRole[], count: async () => null },
  ];
  t.same(await queuesFor(db, ['moderator'], queues), [{ title: 'Проверка документов', href: '/admin/documents', count: 3 }]);
  t.same(await queuesFor(db, ['admin', 'moderator'], queues), [
    { title: 'Проверка документов', href: '/admin/documents', count: 3 },
    { title: 'Объявления', href: '/admin/notices', count: null },
  ]);
  t.same(await queuesFor(db, [], queues), []);
});
