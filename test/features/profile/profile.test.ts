import { sql, type Transaction } from 'kysely';
import t from 'tap';
import type { Db } from '../../../src/db/index.js';
import type { Database } from '../../../src/db/schema.js';
import { issueCode } from '../../../src/security/one-time-codes.js';
import { hashPassword } from '../../../src/security/passwords.js';
import { Agent, eventually, messageTo, testApp } from '../../fixtures/app.js';
import { codeIn, lastMessageId, linkIn, manualClock, signInResident } from '../../fixtures/resident-auth.js';
import { sessionCookie } from '../../fixtures/sessions.js';

const PASSWORD = 'Соседи-по-лестнице-7';

/**
 * Puts another writer between a request's check and its write: `inside` runs in a
 * transaction that stays open until `request` (started after `inside`) is seen
 * waiting for a lock, and only then commits.
 */
async function interleave<T, R>(db: Db, inside: (trx: Transaction<Database>) => Promise<T>, request: (held: T) => Promise<R>): Promise<R> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let ready!: (value: T) => void;
  const held = new Promise<T>((resolve) => (ready = resolve));
  const transaction = db.transaction().execute(async (trx) => {
    ready(await inside(trx));
    await released;
  });
  try {
    const response = request(await Promise.race([held, transaction.then(() => Promise.reject(new Error('the transaction ended early')))]));
    await eventually(async () => {
      const waiting = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(db);
      return waiting.rows[0]!.n > 0;
    });
    release();
    await transaction;
    return await response;
  } finally {
    release();
  }
}

t.test('profile', async (t) => {
  const clock = manualClock();
  const { app, db, config } = await testApp(t.teardown, { clock });
  let counter = 0;

  async function signedIn() {
    const email = `owner${++counter}@example.ru`;
    const row = await db
      .insertInto('residents')
      .values({ email, phone: `+7916100000${counter}`, password_hash: await hashPassword(PASSWORD), email_confirmed_at: new Date() })
      .returning('id')
      .executeTakeFirstOrThrow();
    const agent = new Agent(app);
    await signInResident(agent, app, db, email, PASSWORD);
    return { id: row.id, email, agent };
  }

  t.test('the profile needs sign-in and shows the contacts', async (t) => {
    const anonymous = await new Agent(app).get('/profile');
    t.equal(anonymous.statusCode, 303);
    t.equal(anonymous.headers.location, '/login?next=%2Fprofile');
    const me = await signedIn();
    const page = await me.agent.get('/profile');
    t.equal(page.statusCode, 200);
    t.match(page.body, me.email);
    t.match(page.body, /\+79161000001/);
    t.match(page.body, /<span class="tag">Этот сеанс<\/span>/);
  });

  t.test('a new phone number is confirmed by an SMS code sent to it', async (t) => {
    const me = await signedIn();
    await me.agent.get('/profile/phone');
    const bad = await me.agent.post('/profile/phone', { phone: '123' });
    t.equal(bad.statusCode, 422);
    t.match(bad.body, /href="#phone">Введите номер телефона в формате/);
    const after = await lastMessageId(db);
    const sent = await me.agent.post('/profile/phone', { phone: '8 903 765-43-21' });
    t.equal(sent.statusCode, 303);
    t.equal(sent.headers.location, '/profile/phone/confirm');
    const sms = await messageTo(db, '+79037654321', after);
    t.equal(sms.channel, 'sms');
    t.ok(sms.text.length < 70);
    const page = await me.agent.get('/profile/phone/confirm');
    t.match(page.body, />Код подтверждения<\/label>/);
    t.match(page.body, /\+7 903 \*\*\*-\*\*-21/);
    const code = codeIn(sms.text);
    const wrong = await me.agent.post('/profile/phone/confirm', { code: code === '000000' ? '111111' : '000000' });
    t.equal(wrong.statusCode, 422);
    t.match(wrong.body, /Неверный код/);
    t.equal((await db.selectFrom('residents').select('phone').where('id', '=', me.id).executeTakeFirstOrThrow()).phone, `+7916100000${counter}`, 'not changed yet');
    const done = await me.agent.post('/profile/phone/confirm', { code });
    t.equal(done.headers.location, '/profile?done=phone');
    t.equal((await db.selectFrom('residents').select('phone').where('id', '=', me.id).executeTakeFirstOrThrow()).phone, '+79037654321');
    t.match((await me.agent.get('/profile?done=phone')).body, /Номер телефона изменён/);
  });

  t.test('a new email is confirmed by a link sent to it; the old address is told', async (t) => {
    const me = await signedIn();
    await me.agent.get('/profile/email');
    const wrongPassword = await me.agent.post('/profile/email', { email: 'fresh@example.ru', password: 'not-my-password' });
    t.equal(wrongPassword.statusCode, 422);
    t.match(wrongPassword.body, /Неверный пароль/);
    t.match(wrongPassword.body, /value="fresh@example\.ru"/);

    const after = await lastMessageId(db);
    const sent = await me.agent.post('/profile/email', { email: 'Fresh@Example.ru', password: PASSWORD });
    t.equal(sent.statusCode, 303);
    t.equal(sent.headers.location, '/profile?done=email-sent');
    const notice = await messageTo(db, me.email, after);
    t.equal(notice.subject, 'Запрошена смена адреса электронной почты');
    t.match(notice.text, /fresh@example\.ru/);
    const link = linkIn((await messageTo(db, 'fresh@example.ru', after)).text);
    t.equal((await db.selectFrom('residents').select('email').where('id', '=', me.id).executeTakeFirstOrThrow()).email, me.email, 'not changed yet');

    const page = await me.agent.get(link);
    t.match(page.body, />Подтвердить<\/button>/);
    const token = new URL(link, 'http://x').searchParams.get('token')!;
    const done = await me.agent.post('/email-change/confirm', { token });
    t.equal(done.headers.location, '/profile?done=email');
    t.equal((await db.selectFrom('residents').select('email').where('id', '=', me.id).executeTakeFirstOrThrow()).email, 'fresh@example.ru');
    t.equal((await me.agent.post('/email-change/confirm', { token })).statusCode, 410, 'the link works once');

    // An address someone else has: the same answer, and nothing is sent to it.
    const mailTo = async (to: string) =>
      (await db.selectFrom('outbox').select(sql<number>`count(*)::int`.as('n')).where(sql<boolean>`payload->>'to' = ${to}`).executeTakeFirstOrThrow()).n;
    const before = await mailTo('owner1@example.ru');
    const noticesBefore = await mailTo('fresh@example.ru');
    const taken = await me.agent.post('/profile/email', { email: 'owner1@example.ru', password: PASSWORD });
    t.equal(taken.headers.location, '/profile?done=email-sent');
    t.equal(await mailTo('fresh@example.ru'), noticesBefore + 1, 'the resident is told as usual');
    t.equal(await mailTo('owner1@example.ru'), before, 'nothing goes to the taken address');
  });

  t.test('a code confirms the number it was sent to, even when another number is asked for meanwhile', async (t) => {
    const me = await signedIn();
    await me.agent.get('/profile/phone');
    t.equal((await me.agent.post('/profile/phone', { phone: '+79030000001' })).statusCode, 303);
    await me.agent.get('/profile/phone/confirm');
    clock.advance(61_000);
    // The code for the second number is issued while the confirmation is under way:
    // the table is held, so the confirmation waits until that code exists.
    const done = await interleave(
      db,
      async (trx) => {
        await sql`lock table one_time_codes in exclusive mode`.execute(trx);
        const issued = await issueCode(trx, { purpose: 'phone-change', subjectId: me.id, channel: 'sms', destination: '+79030000002', now: clock.now(), secret: config.sessionSecret });
        if (!issued.ok) throw new Error(issued.reason);
        return issued.code;
      },
      (code) => me.agent.post('/profile/phone/confirm', { code }),
    );
    t.equal(done.headers.location, '/profile?done=phone');
    t.equal((await db.selectFrom('residents').select('phone').where('id', '=', me.id).executeTakeFirstOrThrow()).phone, '+79030000002', 'the number the code went to');
  });

  t.test('an address another account takes just before the confirmation: the same "taken" page, not an error', async (t) => {
    const me = await signedIn();
    const after = await lastMessageId(db);
    await me.agent.get('/profile/email');
    t.equal((await me.agent.post('/profile/email', { email: 'contested@example.ru', password: PASSWORD })).statusCode, 303);
    const token = new URL(linkIn((await messageTo(db, 'contested@example.ru', after)).text), 'http://x').searchParams.get('token')!;
    await me.agent.get(`/email-change/confirm?token=${token}`);
    const confirmed = await interleave(
      db,
      (trx) => trx.insertInto('residents').values({ email: 'Contested@example.ru', phone: '+79030000003', password_hash: 'x' }).execute(),
      () => me.agent.post('/email-change/confirm', { token }),
    );
    t.equal(confirmed.statusCode, 409);
    t.match(confirmed.body, /<h1>Адрес уже занят<\/h1>/);
    t.equal((await db.selectFrom('residents').select('email').where('id', '=', me.id).executeTakeFirstOrThrow()).email, me.email, 'the address stays');
  });

  t.test('a reset link mailed to the old address dies when the address changes', async (t) => {
    const me = await signedIn();
    const before = await lastMessageId(db);
    const anyone = new Agent(app);
    await anyone.get('/password-reset');
    t.equal((await anyone.post('/password-reset', { email: me.email })).statusCode, 303);
    const resetLink = linkIn((await messageTo(db, me.email, before)).text);
    t.equal((await anyone.get(resetLink)).statusCode, 200, 'the link works before the change');

    const after = await lastMessageId(db);
    await me.agent.get('/profile/email');
    await me.agent.post('/profile/email', { email: `moved${counter}@example.ru`, password: PASSWORD });
    const token = new URL(linkIn((await messageTo(db, `moved${counter}@example.ru`, after)).text), 'http://x').searchParams.get('token')!;
    t.equal((await me.agent.post('/email-change/confirm', { token })).statusCode, 303);

    t.equal((await anyone.get(resetLink)).statusCode, 410, 'the old address no longer opens the account');
    const resetToken = new URL(resetLink, 'http://x').searchParams.get('token')!;
    const used = await anyone.post('/password-reset/new', { token: resetToken, password: 'Чужой-пароль-2026', password_repeat: 'Чужой-пароль-2026' });
    t.equal(used.statusCode, 410);
  });

  t.test('a password change needs the current one and ends the other sessions', async (t) => {
    const me = await signedIn();
    const other = await sessionCookie(db, config, { residentId: me.id });
    await me.agent.get('/profile/password');
    const wrong = await me.agent.post('/profile/password', { current_password: 'nope-nope-nope', password: 'Новый-пароль-для-ЖКУ-2026', password_repeat: 'Новый-пароль-для-ЖКУ-2026' });
    t.equal(wrong.statusCode, 422);
    t.match(wrong.body, /Неверный текущий пароль/);
    const weak = await me.agent.post('/profile/password', { current_password: PASSWORD, password: '1234567890', password_repeat: '1234567890' });
    t.match(weak.body, /слишком распространён/);
    const done = await me.agent.post('/profile/password', { current_password: PASSWORD, password: 'Новый-пароль-для-ЖКУ-2026', password_repeat: 'Новый-пароль-для-ЖКУ-2026' });
    t.equal(done.headers.location, '/profile?done=password');
    t.equal((await me.agent.get('/profile')).statusCode, 200, 'this session stays');
    t.equal((await new Agent(app).setCookie(other.name, other.value).get('/profile')).statusCode, 303, 'the other one ended');
  });

  t.test('the list of sessions: end another one; someone else’s cannot be reached', async (t) => {
    const me = await signedIn();
    const laptop = new Agent(app);
    clock.advance(61_000); // a new code for the same account comes a minute after the last
    await signInResident(laptop, app, db, me.email, PASSWORD);
    const page = await me.agent.get('/profile');
    const handles = [...page.body.matchAll(/action="\/profile\/sessions\/([0-9a-f]{32})\/end"/g)].map((m) => m[1]!);
    t.equal(handles.length, 1, 'one other session, the current one has no button');
    t.match(page.body, />Завершить сеанс</);

    const stranger = await signedIn();
    const foreign = await stranger.agent.post(`/profile/sessions/${handles[0]}/end`);
    t.equal(foreign.statusCode, 404);
    t.equal((await laptop.get('/profile')).statusCode, 200);

    const ended = await me.agent.post(`/profile/sessions/${handles[0]}/end`);
    t.equal(ended.headers.location, '/profile?done=session');
    t.equal((await laptop.get('/profile')).statusCode, 303, 'the laptop is signed out');
    t.equal((await me.agent.get('/profile')).statusCode, 200);
  });
});
