import t from 'tap';
import { sql } from 'kysely';
import { Agent, testApp } from '../fixtures/app.js';
import { sessionCookie } from '../fixtures/sessions.js';
import { lastMessageId, signInStaff, staffSignInCode } from '../fixtures/staff-auth.js';
import { DEMO_PASSWORD } from '../../src/db/seed/index.js';
import { createClock } from '../../src/lib/calendar.js';
import { backofficeNext } from '../../src/backoffice/auth/routes.js';
import { totp, openKey } from '../../src/backoffice/auth/totp.js';
import type { Db } from '../../src/db/index.js';

async function staffId(db: Db, email: string): Promise<number> {
  return (await db.selectFrom('staff').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
}

async function auditActions(db: Db, action: string) {
  return db.selectFrom('audit_log').selectAll().where('action', '=', action).orderBy('id').execute();
}

t.test('sign-in needs the password and then the emailed code', async (t) => {
  const { app, db } = await testApp(t.teardown, { seed: true, redis: false });
  const agent = new Agent(app);

  const anonymous = await agent.get('/admin/staff');
  t.equal(anonymous.statusCode, 303);
  t.equal(anonymous.headers.location, '/admin/login?next=%2Fadmin%2Fstaff');

  const page = await agent.get('/admin/login?next=%2Fadmin%2Fstaff');
  t.match(page.body, /<label class="field__label" for="email">Электронная почта<\/label>/);
  t.match(page.body, /<label class="field__label" for="password">Пароль<\/label>/);
  t.match(page.body, />Войти<\/button>/);

  const after = await lastMessageId(db);
  const login = await agent.post('/admin/login', { email: 'Admin@Demo.local', password: DEMO_PASSWORD, next: '/admin/staff' });
  t.equal(login.statusCode, 303);
  t.equal(login.headers.location, '/admin/login/code');
  const cookieAfterPassword = login.cookies.find((c) => c.name === 'staff_sid')?.value;

  // The password alone opens nothing.
  t.equal((await agent.get('/admin')).statusCode, 303, 'second factor still missing');

  const codePage = await agent.get('/admin/login/code');
  t.match(codePage.body, /Мы отправили код на <strong>ad\*\*\*@demo\.local<\/strong>/);
  t.match(codePage.body, /for="code">Код подтверждения<\/label>/);
  t.match(codePage.body, />Подтвердить<\/button>/);
  t.match(codePage.body, />Отправить код ещё раз<\/button>/);

  const code = await staffSignInCode(db, 'admin@demo.local', after);
  const wrong = code === '000000' ? '111111' : '000000';
  const refused = await agent.post('/admin/login/code', { code: wrong });
  t.equal(refused.statusCode, 422);
  t.match(refused.body, /Неверный код/);

  const done = await agent.post('/admin/login/code', { code });
  t.equal(done.statusCode, 303);
  t.equal(done.headers.location, '/admin/staff', 'back where the staff member was heading');
  const signedInCookie = done.cookies.find((c) => c.name === 'staff_sid')?.value;
  t.ok(signedInCookie);
  t.not(signedInCookie, cookieAfterPassword, 'the session id changes at sign-in');

  const home = await agent.get('/admin');
  t.equal(home.statusCode, 200);
  t.match(home.body, /Анна Администратова \(admin@demo\.local\) — администратор/);

  const id = await staffId(db, 'admin@demo.local');
  const session = await db.selectFrom('sessions').selectAll().where('staff_id', '=', id).executeTakeFirstOrThrow();
  t.equal(session.area, 'staff');
  t.equal(session.ip, '127.0.0.1');

  const signIns = await auditActions(db, 'staff.sign-in');
  t.equal(signIns.length, 1);
  t.equal(signIns[0]!.staff_id, id);
  t.equal(signIns[0]!.ip, '127.0.0.1');
  const failed = await auditActions(db, 'staff.sign-in-failed');
  t.equal(failed.length, 1);
  t.match(failed[0]!.details, { stage: 'code', reason: 'wrong' });

  const logout = await agent.post('/admin/logout');
  t.equal(logout.statusCode, 303);
  t.equal(logout.headers.location, '/admin/login');
  t.equal((await agent.get('/admin')).statusCode, 303, 'signed out');
  t.equal((await auditActions(db, 'staff.sign-out')).length, 1);
  t.equal(await db.selectFrom('sessions').select('sid').where('staff_id', '=', id).executeTakeFirst(), undefined);
});

t.test('a wrong password and an unknown address get the same answer, and both are audited', async (t) => {
  const { app, db } = await testApp(t.teardown, { seed: true, redis: false });
  const agent = new Agent(app);
  await agent.get('/admin/login');
  const wrongPassword = await agent.post('/admin/login', { email: 'admin@demo.local', password: 'not-the-password' });
  const unknown = await agent.post('/admin/login', { email: 'nobody@demo.local', password: 'not-the-password' });
  for (const response of [wrongPassword, unknown]) {
    t.equal(response.statusCode, 422);
    t.match(response.body, /Неверная электронная почта или пароль/);
  }
  const strip = (html: string) => html.replace(/value="[^"]*"/g, '').replace(/"X-CSRF-Token": "[^"]*"/, '');
  t.equal(strip(wrongPassword.body), strip(unknown.body), 'the pages differ only in the address typed');

  const failed = await auditActions(db, 'staff.sign-in-failed');
  t.equal(failed.length, 2);
  t.equal(failed[0]!.subject_id, String(await staffId(db, 'admin@demo.local')));
  t.match(failed[0]!.details, { email: 'admin@demo.local', stage: 'password' });
  t.equal(failed[1]!.subject_id, null);
  t.match(failed[1]!.details, { email: 'nobody@demo.local' });

  const missing = await agent.post('/admin/login', { email: '', password: '' });
  t.equal(missing.statusCode, 422);
  t.match(missing.body, /Введите адрес электронной почты/);
  t.match(missing.body, /Введите пароль/);
});

t.test('behind a proxy, the address in the audit log is the one the proxy saw, not one the client wrote', async (t) => {
  const { app, db } = await testApp(t.teardown, { seed: true, redis: false, env: { TRUST_PROXY: '1' } });
  const agent = new Agent(app);
  await agent.get('/admin/login');
  // The client sends its own X-Forwarded-For; the one proxy in front appends the real address.
  await agent.post('/admin/login', { email: 'admin@demo.local', password: 'not-the-password' }, { 'x-forwarded-for': '203.0.113.66, 198.51.100.7' });
  const [failed] = await auditActions(db, 'staff.sign-in-failed');
  t.equal(failed!.ip, '198.51.100.7');
});

t.test('password guessing is limited per account, whether or not the account exists', async (t) => {
  const { app } = await testApp(t.teardown, { seed: true, redis: false });
  for (const email of ['admin@demo.local', 'ghost@demo.local']) {
    const agent = new Agent(app);
    await agent.get('/admin/login');
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await agent.post('/admin/login', { email, password: `guess-${i}` })).statusCode);
    t.same(statuses.slice(0, 10), Array(10).fill(422), `${email}: ten tries answered`);
    const blocked = await agent.post('/admin/login', { email, password: DEMO_PASSWORD });
    t.equal(blocked.statusCode, 429, `${email}: then refused, even with the right password`);
    t.match(blocked.body, /Слишком много попыток входа\. Попробуйте снова через 15 минут/);
  }
});

t.test('the code step is limited too, and five wrong codes kill the code', async (t) => {
  const { app, db } = await testApp(t.teardown, { seed: true, redis: false });
  const agent = new Agent(app);
  const after = await lastMessageId(db);
  await agent.get('/admin/login');
  await agent.post('/admin/login', { email: 'moderator@demo.local', password: DEMO_PASSWORD });
  const code = await staffSignInCode(db, 'moderator@demo.local', after);
  const wrong = code === '000000' ? '111111' : '000000';
  for (let i = 0; i < 4; i++) t.equal((await agent.post('/admin/login/code', { code: wrong })).statusCode, 422);
  const fifth = await agent.post('/admin/login/code', { code: wrong });
  t.match(fifth.body, /Слишком много неверных попыток/);
  const right = await agent.post('/admin/login/code', { code });
  t.equal(right.statusCode, 422, 'the real code no longer works after five wrong ones');
  t.equal((await agent.get('/admin')).statusCode, 303);
});

t.test('staff sessions expire after 30 minutes idle, and each request moves the expiry on', async (t) => {
  const { app, db } = await testApp(t.teardown, { seed: true, redis: false });
  const agent = new Agent(app);
  await signInStaff(agent, db, 'dispatcher@demo.local', DEMO_PASSWORD);
  const id = await staffId(db, 'dispatcher@demo.local');

  await db.updateTable('sessions').set({ expires_at: sql<Date>`now() + interval '5 minutes'` }).where('staff_id', '=', id).execute();
  t.equal((await agent.get('/admin')).statusCode, 200);
  const moved = await db.selectFrom('sessions').select('expires_at').where('staff_id', '=', id).executeTakeFirstOrThrow();
  const minutesLeft = (moved.expires_at.getTime() - Date.now()) / 60_000;
  t.ok(minutesLeft > 29 && minutesLeft <= 30, `expiry moved to 30 minutes from now (${minutesLeft.toFixed(1)})`);

  // 31 minutes without a request.
  await db.updateTable('sessions').set({ expires_at: sql<Date>`now() - interval '1 minute'` }).where('staff_id', '=', id).execute();
  const expired = await agent.get('/admin');
  t.equal(expired.statusCode, 303);
  t.match(expired.headers.location, /^\/admin\/login/);
});

t.test('resident and staff sessions never stand in for each other', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, redis: false });
  const residentId = (await db.selectFrom('residents').select('id').where('email', '=', 'resident@demo.local').executeTakeFirstOrThrow()).id;
  const adminId = await staffId(db, 'admin@demo.local');

  const resident = await sessionCookie(db, config, { residentId });
  const asResident = await new Agent(app).setCookie(resident.name, resident.value).get('/admin');
  t.equal(asResident.statusCode, 303, 'a resident session opens nothing under /admin');
  t.equal(asResident.headers.location, '/admin/login?next=%2Fadmin');
  // Even the resident's cookie value under the staff cookie name.
  const smuggled = await new Agent(app).setCookie('staff_sid', resident.value).get('/admin/staff');
  t.equal(smuggled.statusCode, 303);

  const staff = await sessionCookie(db, config, { staffId: adminId });
  const residentHome = await new Agent(app).setCookie(staff.name, staff.value).get('/');
  t.equal(residentHome.statusCode, 200);
  t.match(residentHome.body, /href="\/register">Зарегистрироваться<\/a>/, 'a staff member is anonymous to the resident area');
  const staffAsResidentCookie = await new Agent(app).setCookie('sid', staff.value).get('/');
  t.notMatch(staffAsResidentCookie.body, /Вы вошли как/);

  const both = new Agent(app).setCookie(resident.name, resident.value).setCookie(staff.name, staff.value);
  t.match((await both.get('/admin')).body, /Анна Администратова/);
  t.match((await both.get('/')).body, /Вы вошли как resident@demo\.local/);
});

t.test('an authenticator app replaces the emailed code once switched on', async (t) => {
  const { app, db, config, clock } = await testApp(t.teardown, { seed: true, redis: false });
  const agent = new Agent(app);
  await signInStaff(agent, db, 'moderator@demo.local', DEMO_PASSWORD);
  const id = await staffId(db, 'moderator@demo.local');

  const off = await agent.get('/admin/account/totp');
  t.match(off.body, />Подключить приложение<\/button>/);
  t.equal((await agent.post('/admin/account/totp/key')).statusCode, 303);
  const setup = await agent.get('/admin/account/totp');
  t.match(setup.body, /<code class="totp-key">[A-Z2-7 ]+<\/code>/);
  t.match(setup.body, /href="otpauth:\/\/totp\//);
  t.match(setup.body, /<div class="totp-qr" role="img" aria-label="QR-код для приложения-аутентификатора"><svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  t.notMatch(setup.body, /style=/, 'nothing the CSP would block');
  t.equal(setup.headers['cache-control'], 'no-store');

  const sealed = (await db.selectFrom('staff').select('totp_secret').where('id', '=', id).executeTakeFirstOrThrow()).totp_secret!;
  t.notMatch(sealed, /^[A-Z2-7]+$/, 'the key is not stored readable');
  const key = openKey(sealed, config.sessionSecret);

  t.equal((await agent.post('/admin/account/totp', { code: '123' })).statusCode, 422);
  // The previous step's code: the current one is then still unused for the sign-in below.
  const enabled = await agent.post('/admin/account/totp', { code: totp(key, clock.now().getTime() - 30_000) });
  t.equal(enabled.statusCode, 303);
  t.match((await agent.get(enabled.headers.location as string)).body, /Приложение подключено/);
  t.equal((await auditActions(db, 'staff.totp-enabled')).length, 1);
  await agent.post('/admin/logout');

  const after = await lastMessageId(db);
  const again = new Agent(app);
  await again.get('/admin/login');
  t.equal((await again.post('/admin/login', { email: 'moderator@demo.local', password: DEMO_PASSWORD })).statusCode, 303);
  const codePage = await again.get('/admin/login/code');
  t.match(codePage.body, /Введите код из приложения-аутентификатора/);
  t.notMatch(codePage.body, /Отправить код ещё раз/);
  const now = clock.now().getTime();
  const code = totp(key, now);
  t.equal((await again.post('/admin/login/code', { code })).statusCode, 303);
  t.equal((await again.get('/admin')).statusCode, 200);
  t.equal(await lastMessageId(db), after, 'no code was emailed');

  // The same code cannot be replayed in another sign-in.
  const replay = new Agent(app);
  await replay.get('/admin/login');
  await replay.post('/admin/login', { email: 'moderator@demo.local', password: DEMO_PASSWORD });
  t.equal((await replay.post('/admin/login/code', { code })).statusCode, 422);

  // Switching off needs a code from the app.
  t.equal((await again.post('/admin/account/totp/removal', { code: '000000' })).statusCode, 422);
  const later = totp(key, now + 30_000);
  t.equal((await again.post('/admin/account/totp/removal', { code: later })).statusCode, 303);
  const row = await db.selectFrom('staff').select(['totp_secret', 'totp_enabled_at']).where('id', '=', id).executeTakeFirstOrThrow();
  t.same(row, { totp_secret: null, totp_enabled_at: null });
  t.equal((await auditActions(db, 'staff.totp-disabled')).length, 1);
});

t.test('codes typed to switch the authenticator app off are limited like sign-in codes', async (t) => {
  const { app, db, config, clock } = await testApp(t.teardown, { seed: true, redis: false });
  const id = await staffId(db, 'moderator@demo.local');
  const cookie = await sessionCookie(db, config, { staffId: id });
  const agent = new Agent(app).setCookie(cookie.name, cookie.value);
  await agent.get('/admin/account/totp');
  await agent.post('/admin/account/totp/key');
  const sealed = (await db.selectFrom('staff').select('totp_secret').where('id', '=', id).executeTakeFirstOrThrow()).totp_secret!;
  const key = openKey(sealed, config.sessionSecret);
  t.equal((await agent.post('/admin/account/totp', { code: totp(key, clock.now().getTime() - 30_000) })).statusCode, 303);

  // Someone holding the session guesses at the code that switches the app off.
  const wrong = totp(key, clock.now().getTime()) === '000000' ? '111111' : '000000';
  for (let i = 0; i < 9; i += 1) t.equal((await agent.post('/admin/account/totp/removal', { code: wrong })).statusCode, 422);
  const limited = await agent.post('/admin/account/totp/removal', { code: totp(key, clock.now().getTime()) });
  t.equal(limited.statusCode, 429, 'even the right code waits once the limit is reached');
  t.match(limited.body, /Слишком много попыток/);
  const still = await db.selectFrom('staff').select('totp_enabled_at').where('id', '=', id).executeTakeFirstOrThrow();
  t.not(still.totp_enabled_at, null, 'the app stays switched on');
});

t.test('the emailed code can be sent again, once a minute', async (t) => {
  const { app, db } = await testApp(t.teardown, { seed: true, redis: false });
  const agent = new Agent(app);
  await agent.get('/admin/login');
  await agent.post('/admin/login', { email: 'admin@demo.local', password: DEMO_PASSWORD });
  await staffSignInCode(db, 'admin@demo.local', 0);
  await agent.get('/admin/login/code');
  const tooSoon = await agent.post('/admin/login/code/resend');
  t.equal(tooSoon.statusCode, 429);
  t.match(tooSoon.body, /Новый код пока отправить нельзя\. Попробуйте снова через/);
  await db.updateTable('one_time_codes').set({ created_at: sql<Date>`created_at - interval '2 minutes'` }).execute();
  const after = await lastMessageId(db);
  const resent = await agent.post('/admin/login/code/resend');
  t.equal(resent.statusCode, 200);
  t.match(resent.body, /Мы отправили новый код/);
  const code = await staffSignInCode(db, 'admin@demo.local', after);
  t.equal((await agent.post('/admin/login/code', { code })).statusCode, 303);

  // Straight back in, in another browser: the code is used up and a new one not yet allowed.
  const second = new Agent(app);
  await second.get('/admin/login');
  await second.post('/admin/login', { email: 'admin@demo.local', password: DEMO_PASSWORD });
  t.match((await second.get('/admin/login/code')).body, /Действующего кода нет/);

  t.equal((await new Agent(app).get('/admin/login/code')).headers.location, '/admin/login', 'no half-done sign-in, no code page');
});

t.test('after sign-in, only a path inside /admin is followed', async (t) => {
  t.equal(backofficeNext('/admin/audit?page=2'), '/admin/audit?page=2');
  t.equal(backofficeNext('/admin'), '/admin');
  for (const bad of ['//evil.example/admin', 'https://evil.example/admin', '/administrator', '/admin\\@evil', '/', undefined, 42]) {
    t.equal(backofficeNext(bad), '/admin', String(bad));
  }
});

t.test('a half-done sign-in lapses after 10 minutes', async (t) => {
  let shiftMs = 0;
  const clock = createClock(undefined, () => new Date(Date.now() + shiftMs));
  const { app } = await testApp(t.teardown, { seed: true, redis: false, clock });
  const agent = new Agent(app);
  await agent.get('/admin/login');
  await agent.post('/admin/login', { email: 'admin@demo.local', password: DEMO_PASSWORD });
  t.equal((await agent.get('/admin/login/code')).statusCode, 200);
  shiftMs = 11 * 60_000;
  const lapsed = await agent.get('/admin/login/code');
  t.equal(lapsed.statusCode, 303);
  t.equal(lapsed.headers.location, '/admin/login');
  t.equal((await agent.post('/admin/login/code', { code: '123456' })).headers.location, '/admin/login');
});
