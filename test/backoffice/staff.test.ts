import t from 'tap';
import { DEMO_PASSWORD } from '../../src/db/seed/index.js';
import type { Db } from '../../src/db/index.js';
import { Agent, messageTo, testApp } from '../fixtures/app.js';
import { sessionCookie } from '../fixtures/sessions.js';
import { signInStaff } from '../fixtures/staff-auth.js';

async function staffRow(db: Db, email: string) {
  return db.selectFrom('staff').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
}

async function audit(db: Db, action: string) {
  return db.selectFrom('audit_log').selectAll().where('action', '=', action).orderBy('id').execute();
}

function linkIn(text: string): string {
  const link = /http:\/\/localhost:3000(\/admin\/invitation\?token=[A-Za-z0-9_-]+)/.exec(text)?.[1];
  if (!link) throw new Error('no invitation link in the message');
  return link;
}

t.test('an admin invites a moderator, who sets a password from the emailed link and signs in', async (t) => {
  const { app, db } = await testApp(t.teardown, { seed: true });
  const admin = new Agent(app);
  await signInStaff(admin, db, 'admin@demo.local', DEMO_PASSWORD);
  const adminId = (await staffRow(db, 'admin@demo.local')).id;

  const form = await admin.get('/admin/staff/new');
  for (const label of ['ФИО', 'Электронная почта']) t.match(form.body, `>${label}</label>`);
  for (const role of ['администратор', 'модератор', 'диспетчер']) t.match(form.body, `>${role}</label>`);

  const invalid = await admin.post('/admin/staff', { full_name: 'Ольга Новикова', email: 'not-an-address' });
  t.equal(invalid.statusCode, 422);
  t.match(invalid.body, /Введите адрес электронной почты в формате name@example\.ru/);
  t.match(invalid.body, /Выберите хотя бы одну роль/);
  t.match(invalid.body, /value="Ольга Новикова"/, 'the input is kept');

  const taken = await admin.post('/admin/staff', { full_name: 'Ещё один', email: 'MODERATOR@demo.local', roles: 'moderator' });
  t.equal(taken.statusCode, 422);
  t.match(taken.body, /Сотрудник с такой электронной почтой уже есть/);

  const invited = await admin.post('/admin/staff', { full_name: 'Ольга Новикова', email: 'olga@demo.local', roles: ['moderator', 'dispatcher'] });
  t.equal(invited.statusCode, 303);
  const olga = await staffRow(db, 'olga@demo.local');
  t.equal(invited.headers.location, `/admin/staff/${olga.id}?done=invited`);
  t.same(olga.roles, ['moderator', 'dispatcher']);
  t.equal(olga.password_hash, null);
  const page = await admin.get(invited.headers.location as string);
  t.match(page.body, /Приглашение отправлено на olga@demo\.local/);
  t.match(page.body, /Приглашён/);

  const [invitation] = await audit(db, 'staff.invited');
  t.match(invitation, { staff_id: adminId, subject_type: 'staff', subject_id: String(olga.id), ip: '127.0.0.1' });
  t.match(invitation!.details, { email: 'olga@demo.local', roles: ['moderator', 'dispatcher'] });

  const message = await messageTo(db, 'olga@demo.local');
  t.equal(message.subject, 'Приглашение в служебный кабинет ЖКУ');
  t.match(message.text, /72 часа/);
  const link = linkIn(message.text);
  const token = await db.selectFrom('tokens').select(['purpose', 'expires_at', 'created_at']).where('subject_id', '=', olga.id).executeTakeFirstOrThrow();
  t.equal(token.purpose, 'staff-invitation');
  t.equal(token.expires_at.getTime() - token.created_at.getTime(), 72 * 3600_000);

  // The invited moderator, in another browser.
  const olgaAgent = new Agent(app);
  const setPassword = await olgaAgent.get(link);
  t.equal(setPassword.statusCode, 200);
  t.match(setPassword.body, />Новый пароль<\/label>/);
  t.match(setPassword.body, />Повторите пароль<\/label>/);
  const token0 = new URL(link, 'http://x').searchParams.get('token')!;
  const mismatch = await olgaAgent.post('/admin/invitation', { token: token0, password: 'correct horse battery', password_repeat: 'something else' });
  t.equal(mismatch.statusCode, 422);
  t.match(mismatch.body, /Пароли не совпадают/);
  t.equal((await olgaAgent.post('/admin/invitation', { token: token0, password: 'short', password_repeat: 'short' })).statusCode, 422);
  const saved = await olgaAgent.post('/admin/invitation', { token: token0, password: 'correct horse battery', password_repeat: 'correct horse battery' });
  t.equal(saved.statusCode, 303);
  t.equal(saved.headers.location, '/admin/login?welcome=1');
  t.match((await olgaAgent.get('/admin/login?welcome=1')).body, /Пароль сохранён/);
  t.equal((await olgaAgent.get(link)).statusCode, 404, 'the link works once');
  t.equal((await audit(db, 'staff.invitation-accepted')).length, 1);

  await signInStaff(olgaAgent, db, 'olga@demo.local', 'correct horse battery');
  const home = await olgaAgent.get('/admin');
  t.match(home.body, /Ольга Новикова \(olga@demo\.local\) — модератор, диспетчер/);
  t.equal((await olgaAgent.get('/admin/staff')).statusCode, 403, 'not an admin');
});

t.test('an expired or unknown invitation link is refused', async (t) => {
  const { app, db, config, clock } = await testApp(t.teardown, { seed: true });
  const admin = new Agent(app);
  const adminId = (await staffRow(db, 'admin@demo.local')).id;
  const cookie = await sessionCookie(db, config, { staffId: adminId });
  admin.setCookie(cookie.name, cookie.value);
  await admin.get('/admin/staff/new');
  await admin.post('/admin/staff', { full_name: 'Пётр Опоздавший', email: 'late@demo.local', roles: 'dispatcher' });
  const link = linkIn((await messageTo(db, 'late@demo.local')).text);
  await db.updateTable('tokens').set({ expires_at: new Date(clock.now().getTime() - 1000) }).execute();
  const expired = await new Agent(app).get(link);
  t.equal(expired.statusCode, 404);
  t.match(expired.body, /Ссылка устарела или уже использована/);
  t.equal((await new Agent(app).get('/admin/invitation?token=nonsense')).statusCode, 404);

  // The admin sends a new link; it works, the old one stays dead.
  const late = await staffRow(db, 'late@demo.local');
  const before = (await messageTo(db, 'late@demo.local')).id;
  t.equal((await admin.post(`/admin/staff/${late.id}/invitation`)).statusCode, 303);
  const fresh = linkIn((await messageTo(db, 'late@demo.local', before)).text);
  t.not(fresh, link);
  t.equal((await new Agent(app).get(fresh)).statusCode, 200);
});

t.test('roles change, but an admin cannot remove their own admin role or switch themselves off', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, redis: false });
  const adminId = (await staffRow(db, 'admin@demo.local')).id;
  const dispatcherId = (await staffRow(db, 'dispatcher@demo.local')).id;
  const cookie = await sessionCookie(db, config, { staffId: adminId });
  const admin = new Agent(app).setCookie(cookie.name, cookie.value);

  const page = await admin.get(`/admin/staff/${dispatcherId}`);
  t.match(page.body, /id="role-dispatcher" name="roles" value="dispatcher" checked/);
  const changed = await admin.post(`/admin/staff/${dispatcherId}/roles`, { roles: ['dispatcher', 'moderator'] });
  t.equal(changed.statusCode, 303);
  t.same((await staffRow(db, 'dispatcher@demo.local')).roles, ['moderator', 'dispatcher']);
  const [change] = await audit(db, 'staff.roles-changed');
  t.match(change, { staff_id: adminId, subject_id: String(dispatcherId) });
  t.same(change!.details, { from: ['dispatcher'], to: ['moderator', 'dispatcher'] });
  t.match((await admin.get(changed.headers.location as string)).body, /Роли сохранены/);

  t.equal((await admin.post(`/admin/staff/${dispatcherId}/roles`, {})).statusCode, 422, 'at least one role');

  const own = await admin.post(`/admin/staff/${adminId}/roles`, { roles: 'moderator' });
  t.equal(own.statusCode, 422);
  t.match(own.body, /Нельзя снять роль администратора с самого себя/);
  t.same((await staffRow(db, 'admin@demo.local')).roles, ['admin']);
  // Adding a role to oneself is fine.
  t.equal((await admin.post(`/admin/staff/${adminId}/roles`, { roles: ['admin', 'moderator'] })).statusCode, 303);
  t.same((await staffRow(db, 'admin@demo.local')).roles, ['admin', 'moderator']);

  const ownPage = await admin.get(`/admin/staff/${adminId}`);
  t.notMatch(ownPage.body, /Отключить сотрудника/, 'no switch-off button for oneself');
  t.equal((await admin.get(`/admin/staff/${adminId}/deactivation`)).statusCode, 403);
  t.equal((await admin.post(`/admin/staff/${adminId}/deactivation`)).statusCode, 403);
  t.equal((await staffRow(db, 'admin@demo.local')).active, true);
  t.equal((await admin.get('/admin/staff/999999')).statusCode, 404);
});

t.test('a switched-off staff member is locked out at once, their open sessions end', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, redis: false });
  const adminId = (await staffRow(db, 'admin@demo.local')).id;
  const moderatorId = (await staffRow(db, 'moderator@demo.local')).id;
  const adminCookie = await sessionCookie(db, config, { staffId: adminId });
  const admin = new Agent(app).setCookie(adminCookie.name, adminCookie.value);

  // The moderator has two sessions open, one through the real sign-in.
  const moderator = new Agent(app);
  await signInStaff(moderator, db, 'moderator@demo.local', DEMO_PASSWORD);
  const other = await sessionCookie(db, config, { staffId: moderatorId });
  const moderator2 = new Agent(app).setCookie(other.name, other.value);
  t.equal((await moderator.get('/admin')).statusCode, 200);
  t.equal((await moderator2.get('/admin')).statusCode, 200);

  const confirm = await admin.get(`/admin/staff/${moderatorId}/deactivation`);
  t.match(confirm.body, /Отключить сотрудника\?/);
  t.match(confirm.body, />Отключить<\/button>/);
  const done = await admin.post(`/admin/staff/${moderatorId}/deactivation`);
  t.equal(done.statusCode, 303);
  t.match((await admin.get(done.headers.location as string)).body, /Сотрудник отключён, его сеансы завершены/);

  t.equal(await db.selectFrom('sessions').select('sid').where('staff_id', '=', moderatorId).executeTakeFirst(), undefined, 'sessions deleted');
  for (const agent of [moderator, moderator2]) {
    const response = await agent.get('/admin');
    t.equal(response.statusCode, 303, 'the open session no longer works');
    t.match(response.headers.location, /^\/admin\/login/);
  }
  const again = new Agent(app);
  await again.get('/admin/login');
  const login = await again.post('/admin/login', { email: 'moderator@demo.local', password: DEMO_PASSWORD });
  t.equal(login.statusCode, 422, 'cannot sign in again');
  t.match(login.body, /Неверная электронная почта или пароль/);

  const [row] = await audit(db, 'staff.deactivated');
  t.match(row, { staff_id: adminId, subject_id: String(moderatorId) });
  t.same(row!.details, { sessionsEnded: 2 });
  t.match((await admin.get('/admin/staff')).body, /Михаил Модераторов[\s\S]*?Отключён/);
});

t.test('a session left behind with a switched-off staff id opens nothing (no reliance on the delete alone)', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, redis: false });
  const dispatcherId = (await staffRow(db, 'dispatcher@demo.local')).id;
  const cookie = await sessionCookie(db, config, { staffId: dispatcherId });
  const agent = new Agent(app).setCookie(cookie.name, cookie.value);
  t.equal((await agent.get('/admin')).statusCode, 200);
  await db.updateTable('staff').set({ active: false }).where('id', '=', dispatcherId).execute();
  t.equal((await agent.get('/admin')).statusCode, 303);
});

t.test('an admin switches off the authenticator app of a staff member who lost their phone', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, redis: false });
  const adminId = (await staffRow(db, 'admin@demo.local')).id;
  const moderatorId = (await staffRow(db, 'moderator@demo.local')).id;
  await db.updateTable('staff').set({ totp_secret: 'sealed', totp_enabled_at: new Date(), totp_last_step: 1 }).where('id', 'in', [adminId, moderatorId]).execute();
  const cookie = await sessionCookie(db, config, { staffId: adminId });
  const admin = new Agent(app).setCookie(cookie.name, cookie.value);

  const page = await admin.get(`/admin/staff/${moderatorId}`);
  t.match(page.body, />Отключить приложение-аутентификатор<\/button>/);
  const done = await admin.post(`/admin/staff/${moderatorId}/totp-removal`);
  t.equal(done.statusCode, 303);
  t.match((await admin.get(done.headers.location as string)).body, /коды для входа снова приходят на почту/);
  t.match(await staffRow(db, 'moderator@demo.local'), { totp_secret: null, totp_enabled_at: null, totp_last_step: null });
  const [row] = await audit(db, 'staff.totp-reset');
  t.match(row, { staff_id: adminId, subject_id: String(moderatorId) });

  t.notMatch((await admin.get(`/admin/staff/${adminId}`)).body, /Отключить приложение-аутентификатор/, 'not for oneself');
  t.equal((await admin.post(`/admin/staff/${adminId}/totp-removal`)).statusCode, 403);
  t.not((await staffRow(db, 'admin@demo.local')).totp_enabled_at, null);
});
