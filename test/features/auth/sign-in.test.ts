import t from 'tap';
import type { Db } from '../../../src/db/index.js';
import { hashPassword } from '../../../src/security/passwords.js';
import { Agent, messageTo, testApp } from '../../fixtures/app.js';
import { codeIn, lastMessageId, linkIn, manualClock, signInResident } from '../../fixtures/resident-auth.js';

const PASSWORD = 'Соседи-по-лестнице-7';
let counter = 0;

/** A confirmed resident with its own address, so subtests do not share counters. */
async function resident(db: Db, confirmed = true) {
  const email = `person${++counter}@example.ru`;
  const phone = `+7916000${String(counter).padStart(4, '0')}`;
  const row = await db
    .insertInto('residents')
    .values({ email, phone, password_hash: await hashPassword(PASSWORD), email_confirmed_at: confirmed ? new Date() : null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, email, phone };
}

/** Email and password accepted; the agent is at the code step. */
async function toCodeStep(t: { equal(found: unknown, wanted: unknown): unknown }, agent: Agent, email: string, next?: string) {
  await agent.get(next ? `/login?next=${encodeURIComponent(next)}` : '/login');
  const response = await agent.post('/login', { email, password: PASSWORD, ...(next ? { next } : {}) });
  t.equal(response.statusCode, 303);
  t.equal(response.headers.location, '/login/code');
}

async function sendCode(agent: Agent, db: Db, to: string, channel: 'email' | 'sms' = 'email') {
  await agent.get('/login/code');
  const after = await lastMessageId(db);
  const response = await agent.post('/login/code/send', { channel });
  if (response.statusCode !== 303) throw new Error(`code not sent: ${response.statusCode}`);
  return { message: await messageTo(db, to, after), response };
}

t.test('sign-in', async (t) => {
  const clock = manualClock();
  const { app, db } = await testApp(t.teardown, { clock });

  t.test('password, then a code by email, then home: a new session id with who, device and address', async (t) => {
    const person = await resident(db);
    const agent = new Agent(app);
    const form = await agent.get('/login');
    t.match(form.body, />Электронная почта<\/label>/);
    t.match(form.body, />Пароль<\/label>/);
    t.match(form.body, /<a href="\/password-reset">Забыли пароль\?<\/a>/);
    await toCodeStep(t, agent, person.email.toUpperCase());
    const choose = await agent.get('/login/code');
    t.match(choose.body, /<legend class="field__label">Куда отправить код<\/legend>/);
    t.match(choose.body, /<label for="channel-email">Электронная почта<\/label> <span class="choice__hint">pe\*\*\*@example\.ru<\/span>/);
    t.match(choose.body, /<label for="channel-sms">SMS<\/label>/);
    const anonymousSid = agent['cookies'].get('sid');
    t.ok(anonymousSid, 'a session holds the half-done sign-in');

    const { message } = await sendCode(agent, db, person.email);
    t.match(message.subject, /^Код для входа: \d{6}$/);
    const codePage = await agent.get('/login/code');
    t.match(codePage.body, />Код подтверждения<\/label>/);
    t.match(codePage.body, />Подтвердить<\/button>/);
    t.match(codePage.body, />Отправить код ещё раз<\/button>/);
    t.match(codePage.body, /Новый код можно отправить через 60 секунд/);
    const stored = await db.selectFrom('one_time_codes').select('code_hash').where('subject_id', '=', person.id).executeTakeFirstOrThrow();
    t.notMatch(stored.code_hash, codeIn(message.text), 'the code is stored as an HMAC');

    const done = await agent.post('/login/code', { code: codeIn(message.text) }, { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0' });
    t.equal(done.statusCode, 303);
    t.equal(done.headers.location, '/');
    const sid = agent['cookies'].get('sid');
    t.not(sid, anonymousSid, 'the session id is regenerated on sign-in');
    const home = await agent.get('/');
    t.match(home.body, new RegExp(`Вы вошли как ${person.email.replace('.', '\\.')}`));
    const session = await db.selectFrom('sessions').select(['resident_id', 'user_agent', 'ip']).where('resident_id', '=', person.id).executeTakeFirstOrThrow();
    t.same(session, { resident_id: person.id, user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0', ip: '127.0.0.1' });
    t.equal(await db.selectFrom('sessions').select('sid').where('sid', '=', decodeURIComponent(anonymousSid!).split('.')[0]!).executeTakeFirst(), undefined, 'the old session is gone');

    const out = await agent.post('/logout');
    t.equal(out.statusCode, 303);
    t.equal(await db.selectFrom('sessions').select('sid').where('resident_id', '=', person.id).executeTakeFirst(), undefined, 'signing out ends the session');
    const after = await agent.get('/profile');
    t.equal(after.statusCode, 303);
    t.equal(after.headers.location, '/login?next=%2Fprofile');
  });

  t.test('the code can go by SMS; sign-in returns to `next`, never to another site', async (t) => {
    const person = await resident(db);
    const agent = new Agent(app);
    await toCodeStep(t, agent, person.email, '/profile');
    const { message } = await sendCode(agent, db, person.phone, 'sms');
    t.equal(message.channel, 'sms');
    t.ok(message.text.length < 70);
    const done = await agent.post('/login/code', { code: codeIn(message.text) });
    t.equal(done.headers.location, '/profile');
    // A tab inside the path is dropped by browsers, which would then read "//evil.example".
    const tabbed = await agent.get(`/login?next=${encodeURIComponent('/\t/evil.example')}`);
    t.equal(tabbed.statusCode, 303);
    t.equal(tabbed.headers.location, '/', 'a signed-in resident is not sent off the site');

    const other = new Agent(app);
    await other.get('/login');
    const evil = await other.post('/login', { email: person.email, password: PASSWORD, next: '//evil.example/' });
    t.equal(evil.headers.location, '/login/code');
    clock.advance(61_000);
    const { message: second } = await sendCode(other, db, person.email);
    const back = await other.post('/login/code', { code: codeIn(second.text) });
    t.equal(back.headers.location, '/');
  });

  t.test('a wrong password and an unknown address look the same', async (t) => {
    const person = await resident(db);
    const agent = new Agent(app);
    await agent.get('/login');
    let hashMs = Infinity; // the quickest of a few hashes
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      await hashPassword('just-to-measure');
      hashMs = Math.min(hashMs, performance.now() - started);
    }
    const wrong = await agent.post('/login', { email: person.email, password: 'not-the-password' });
    const started = performance.now();
    const unknown = await agent.post('/login', { email: 'nobody@example.ru', password: 'not-the-password' });
    const unknownMs = performance.now() - started;
    t.ok(unknownMs >= hashMs * 0.5, `an unknown address costs a hash too (${unknownMs.toFixed(0)} ms vs ${hashMs.toFixed(0)} ms)`);
    t.equal(wrong.statusCode, 422);
    t.equal(unknown.statusCode, 422);
    t.match(wrong.body, /Неверный адрес электронной почты или пароль/);
    const strip = (body: string, email: string) => body.replaceAll(email, 'X').replace(/value="[^"]+"|"X-CSRF-Token": "[^"]+"/g, '');
    t.equal(strip(wrong.body, person.email), strip(unknown.body, 'nobody@example.ru'));
    t.notMatch(wrong.body, /not-the-password/);
  });

  t.test('an unconfirmed account cannot sign in and is offered a new confirmation email', async (t) => {
    const person = await resident(db, false);
    const agent = new Agent(app);
    await agent.get('/login');
    const response = await agent.post('/login', { email: person.email, password: PASSWORD });
    t.equal(response.statusCode, 403);
    t.match(response.body, /ещё не подтверждён, поэтому войти пока нельзя/);
    t.match(response.body, /action="\/register\/resend"/);
    const after = await lastMessageId(db);
    const resend = await agent.post('/register/resend');
    t.equal(resend.statusCode, 303);
    const message = await messageTo(db, person.email, after);
    t.equal(message.subject, 'Подтвердите адрес электронной почты');
    t.equal(await db.selectFrom('sessions').select('sid').where('resident_id', '=', person.id).executeTakeFirst(), undefined);
  });

  t.test('five wrong codes kill the code, even the right one fails after', async (t) => {
    const person = await resident(db);
    const agent = new Agent(app);
    await toCodeStep(t, agent, person.email);
    const { message } = await sendCode(agent, db, person.email);
    const right = codeIn(message.text);
    const wrongCode = right === '000000' ? '111111' : '000000';
    for (let i = 1; i <= 4; i++) {
      const response = await agent.post('/login/code', { code: wrongCode });
      t.equal(response.statusCode, 422);
      t.match(response.body, /Неверный код/);
    }
    const fifth = await agent.post('/login/code', { code: wrongCode });
    t.match(fifth.body, /Код введён неверно 5 раз/);
    const late = await agent.post('/login/code', { code: right });
    t.equal(late.statusCode, 422);
    t.match(late.body, /Код введён неверно 5 раз/);
    const malformed = await agent.post('/login/code', { code: '12ab' });
    t.match(malformed.body, /Введите код из 6 цифр/);
  });

  t.test('a code expires after 10 minutes; another one waits 60 seconds and replaces the first', async (t) => {
    const person = await resident(db);
    const agent = new Agent(app);
    await toCodeStep(t, agent, person.email);
    const { message } = await sendCode(agent, db, person.email);
    const tooSoon = await agent.post('/login/code/send', { channel: 'email' });
    t.equal(tooSoon.statusCode, 429);
    t.ok(Number(tooSoon.headers['retry-after']) >= 59 && Number(tooSoon.headers['retry-after']) <= 60);
    t.match(tooSoon.body, /Новый код пока нельзя отправить\. Попробуйте снова через 1 минуту\./);

    clock.advance(10 * 60_000 + 1000);
    const expired = await agent.post('/login/code', { code: codeIn(message.text) });
    t.equal(expired.statusCode, 422);
    t.match(expired.body, /Срок действия кода истёк/);
    // The password step was 10 minutes ago: still within the 15 minutes a sign-in may take.
    const { message: second } = await sendCode(agent, db, person.email);
    t.equal((await agent.post('/login/code', { code: codeIn(message.text) })).statusCode, 422, 'the first code no longer works');
    t.equal((await agent.post('/login/code', { code: codeIn(second.text) })).statusCode, 303);
  });

  t.test('at most 10 codes a day per account', async (t) => {
    const person = await resident(db);
    const agent = new Agent(app);
    await toCodeStep(t, agent, person.email);
    for (let i = 0; i < 10; i++) {
      if (i % 5 === 4) await toCodeStep(t, agent, person.email); // the half-done sign-in lasts 15 minutes
      await agent.get('/login/code');
      t.equal((await agent.post('/login/code/send', { channel: 'sms' })).statusCode, 303);
      clock.advance(61_000);
    }
    const limited = await agent.post('/login/code/send', { channel: 'sms' });
    t.equal(limited.statusCode, 429);
    t.match(limited.body, /За сутки отправлено слишком много кодов/);
    t.ok(Number(limited.headers['retry-after']) > 23 * 3600);
  });

  t.test('a trusted device skips the code for 30 days', async (t) => {
    const person = await resident(db);
    const agent = new Agent(app);
    await toCodeStep(t, agent, person.email);
    const { message } = await sendCode(agent, db, person.email);
    const done = await agent.post('/login/code', { code: codeIn(message.text), trust: 'yes' });
    t.equal(done.statusCode, 303);
    const cookie = (done.cookies as { name: string; maxAge?: number; httpOnly?: boolean }[]).find((c) => c.name === 'trusted_device');
    t.equal(cookie?.maxAge, 30 * 24 * 3600);
    t.ok(cookie?.httpOnly);
    await agent.post('/logout');

    await agent.get('/login');
    const again = await agent.post('/login', { email: person.email, password: PASSWORD });
    t.equal(again.statusCode, 303);
    t.equal(again.headers.location, '/', 'no code step');
    await agent.post('/logout');

    clock.advance(30 * 24 * 3600_000 + 60_000);
    await agent.get('/login');
    t.equal((await agent.post('/login', { email: person.email, password: PASSWORD })).headers.location, '/login/code', 'after 30 days the code is asked again');
  });

  t.test('a password reset voids a sign-in that has passed the password step but not the code', async (t) => {
    const person = await resident(db);
    const agent = new Agent(app);
    await toCodeStep(t, agent, person.email);
    const { message } = await sendCode(agent, db, person.email);

    const owner = new Agent(app);
    await owner.get('/password-reset');
    const after = await lastMessageId(db);
    t.equal((await owner.post('/password-reset', { email: person.email })).statusCode, 303);
    const token = new URL(linkIn((await messageTo(db, person.email, after)).text), 'http://x').searchParams.get('token')!;
    await owner.get(`/password-reset/new?token=${token}`);
    const reset = await owner.post('/password-reset/new', { token, password: 'Новый-пароль-для-ЖКУ-2026', password_repeat: 'Новый-пароль-для-ЖКУ-2026' });
    t.equal(reset.headers.location, '/login?reset=1');

    const late = await agent.post('/login/code', { code: codeIn(message.text) });
    t.equal(late.statusCode, 303);
    t.equal(late.headers.location, '/login', 'back to the password step');
    t.equal(await db.selectFrom('sessions').select('sid').where('resident_id', '=', person.id).executeTakeFirst(), undefined, 'nobody is signed in');
    t.equal((await agent.get('/login/code')).headers.location, '/login');
  });

  t.test('10 wrong passwords lock the address for 15 minutes and tell the owner', async (t) => {
    const person = await resident(db);
    const agent = new Agent(app);
    await agent.get('/login');
    const after = await lastMessageId(db);
    for (let i = 1; i <= 9; i++) t.equal((await agent.post('/login', { email: person.email, password: `wrong-password-${i}` })).statusCode, 422);
    const tenth = await agent.post('/login', { email: person.email, password: 'wrong-password-10' });
    t.equal(tenth.statusCode, 429);
    t.equal(tenth.headers['retry-after'], '900');
    t.match(tenth.body, /Вход временно заблокирован: слишком много неверных паролей\. Попробуйте снова через 15 минут\./);
    const right = await agent.post('/login', { email: person.email, password: PASSWORD });
    t.equal(right.statusCode, 429, 'even the right password waits');
    const message = await messageTo(db, person.email, after);
    t.equal(message.subject, 'Вход в личный кабинет временно заблокирован');

    for (let i = 1; i <= 10; i++) await agent.post('/login', { email: 'ghost@example.ru', password: `wrong-password-${i}` });
    const ghost = await agent.post('/login', { email: 'ghost@example.ru', password: 'whatever-else' });
    t.equal(ghost.statusCode, 429, 'an unknown address locks the same way');
    t.equal(await db.selectFrom('sent_messages').select('id').where('recipient', '=', 'ghost@example.ru').executeTakeFirst(), undefined);

    clock.advance(15 * 60_000 + 1000);
    const later = await agent.post('/login', { email: person.email, password: PASSWORD });
    t.equal(later.statusCode, 303, 'after 15 minutes the owner gets in');
  });

  t.test('sign-in attempts are limited per IP address', async (t) => {
    clock.advance(3600_000);
    const agent = new Agent(app);
    await agent.get('/login');
    for (let i = 0; i < 50; i++) await agent.post('/login', { email: `spray${i}@example.ru`, password: 'password-spray' });
    const limited = await agent.post('/login', { email: 'spray-last@example.ru', password: 'password-spray' });
    t.equal(limited.statusCode, 429);
    t.ok(Number(limited.headers['retry-after']) > 0);
    t.match(limited.body, /Слишком много попыток\. Попробуйте снова через \d+ (минуту|минуты|минут)\./);
    const fromElsewhere = await app.inject({ method: 'GET', url: '/login', remoteAddress: '10.0.0.7' });
    t.equal(fromElsewhere.statusCode, 200);
  });

  t.test('the test fixture signs in through the forms', async (t) => {
    clock.advance(16 * 60_000);
    const person = await resident(db);
    const agent = new Agent(app);
    await signInResident(agent, app, db, person.email, PASSWORD);
    t.match((await agent.get('/')).body, /Вы вошли как/);
  });
});
