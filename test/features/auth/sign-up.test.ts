import t from 'tap';
import { hashPassword } from '../../../src/security/passwords.js';
import { Agent, messageTo, testApp } from '../../fixtures/app.js';
import { codeIn, lastMessageId, linkIn, manualClock } from '../../fixtures/resident-auth.js';

const PASSWORD = 'Соседи-по-лестнице-7';

function form(email: string, extra: Record<string, string> = {}) {
  return { email, phone: '8 (916) 555-12-34', password: PASSWORD, password_repeat: PASSWORD, terms: 'yes', ...extra };
}

t.test('sign-up, confirmation and its limits', async (t) => {
  const clock = manualClock();
  const { app, db } = await testApp(t.teardown, { clock, seed: true });

  t.test('the form has every labelled field and a link to the terms', async (t) => {
    const page = await new Agent(app).get('/register');
    t.equal(page.statusCode, 200);
    for (const label of ['Электронная почта', 'Номер телефона', 'Пароль', 'Повторите пароль']) t.match(page.body, `>${label}</label>`);
    t.match(page.body, /<label for="terms">Я принимаю условия <a href="\/terms">пользовательского соглашения<\/a><\/label>/);
    t.match(page.body, />Зарегистрироваться<\/button>/);
    const terms = await new Agent(app).get('/terms');
    t.equal(terms.statusCode, 200);
    t.match(terms.body, /<h1>Пользовательское соглашение<\/h1>/);
  });

  t.test('an invalid form comes back with an error summary, input kept, never the password', async (t) => {
    const agent = new Agent(app);
    await agent.get('/register');
    const response = await agent.post('/register', { email: 'not-an-address', phone: '12', password: 'qwertyuiop', password_repeat: 'qwertyuiop' });
    t.equal(response.statusCode, 422);
    t.match(response.body, /class="error-summary"/);
    t.match(response.body, /href="#email">Введите адрес электронной почты в формате/);
    t.match(response.body, /href="#phone">Введите номер телефона в формате/);
    t.match(response.body, /href="#password">Этот пароль слишком распространён/);
    t.match(response.body, /href="#terms">Чтобы зарегистрироваться, примите условия/);
    t.match(response.body, /value="not-an-address"/);
    t.notMatch(response.body, /value="qwertyuiop"/);

    const mismatch = await agent.post('/register', form('mismatch@example.ru', { password_repeat: 'другой-пароль-123' }));
    t.equal(mismatch.statusCode, 422);
    t.match(mismatch.body, /href="#password_repeat">Пароли не совпадают/);
    const sameAsEmail = await agent.post('/register', form('long.address.1@example.ru', { password: 'long.address.1@example.ru', password_repeat: 'long.address.1@example.ru' }));
    t.match(sameAsEmail.body, /не должен совпадать с адресом/);
    t.equal(await db.selectFrom('residents').select('id').where('email', 'in', ['mismatch@example.ru', 'long.address.1@example.ru']).executeTakeFirst(), undefined);
  });

  t.test('a new address: the account is created unconfirmed and the link confirms it once', async (t) => {
    const agent = new Agent(app);
    await agent.get('/register');
    const after = await lastMessageId(db);
    const response = await agent.post('/register', form('  Anna.Smirnova@Example.RU '));
    t.equal(response.statusCode, 303);
    t.equal(response.headers.location, '/register/sent');
    const sent = await agent.get('/register/sent');
    t.match(sent.body, /Мы отправили письмо на <strong>anna\.smirnova@example\.ru<\/strong>/);
    t.match(sent.body, />Отправить письмо ещё раз</);

    const resident = await db.selectFrom('residents').selectAll().where('email', '=', 'anna.smirnova@example.ru').executeTakeFirstOrThrow();
    t.equal(resident.phone, '+79165551234', 'phone in E.164');
    t.equal(resident.email_confirmed_at, null);
    t.match(resident.password_hash, /^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);

    const message = await messageTo(db, 'anna.smirnova@example.ru', after);
    t.equal(message.subject, 'Подтвердите адрес электронной почты');
    t.match(message.html, /<a href="http:\/\/localhost:3000\/register\/confirm\?token=/);
    const link = linkIn(message.text);
    const token = new URL(link, 'http://x').searchParams.get('token')!;
    const stored = await db.selectFrom('tokens').select('token_hash').where('subject_id', '=', resident.id).where('purpose', '=', 'email-confirmation').execute();
    t.equal(stored.length, 1);
    t.not(stored[0]!.token_hash, token, 'only a hash of the token is kept');

    const page = await agent.get(link);
    t.equal(page.statusCode, 200, 'following the link shows a button; a mail scanner does not use it up');
    t.match(page.body, />Подтвердить<\/button>/);
    const confirmed = await agent.post('/register/confirm', { token });
    t.equal(confirmed.statusCode, 303);
    t.equal(confirmed.headers.location, '/login?confirmed=1');
    const login = await agent.get('/login?confirmed=1');
    t.match(login.body, /Адрес электронной почты подтверждён/);
    const after1 = await db.selectFrom('residents').select('email_confirmed_at').where('id', '=', resident.id).executeTakeFirstOrThrow();
    t.ok(after1.email_confirmed_at, 'email confirmed: the simplified identity level');

    const reused = await agent.post('/register/confirm', { token });
    t.equal(reused.statusCode, 410, 'a link works once');
    t.match(reused.body, /уже использована или её срок действия истёк/);
    t.equal((await agent.get(link)).statusCode, 410);
  });

  t.test('`next` (an invitation) is carried through sign-up, the confirmation link and the first sign-in', async (t) => {
    const next = '/co-owners/invitation?token=abc-123';
    const agent = new Agent(app);
    const page = await agent.get(`/register?next=${encodeURIComponent(next)}`);
    t.match(page.body, '<input type="hidden" name="next" value="/co-owners/invitation?token=abc-123">');
    t.match(page.body, `<a href="/login?next=${encodeURIComponent(next)}">Уже есть учётная запись? Войти</a>`);
    const after = await lastMessageId(db);
    t.equal((await agent.post('/register', form('invitee@example.ru', { next }))).statusCode, 303);
    const first = await messageTo(db, 'invitee@example.ru', after);
    // The resent link, opened elsewhere, still knows where to go.
    await agent.get('/register/sent');
    t.equal((await agent.post('/register/resend')).statusCode, 303);
    const token = new URL(linkIn((await messageTo(db, 'invitee@example.ru', first.id)).text), 'http://x').searchParams.get('token')!;
    const elsewhere = new Agent(app);
    await elsewhere.get(`/register/confirm?token=${token}`);
    const confirmed = await elsewhere.post('/register/confirm', { token });
    t.equal(confirmed.headers.location, `/login?confirmed=1&next=${encodeURIComponent(next)}`);

    const login = await elsewhere.get(confirmed.headers.location as string);
    t.match(login.body, /Адрес электронной почты подтверждён/);
    t.match(login.body, '<input type="hidden" name="next" value="/co-owners/invitation?token=abc-123">');
    t.equal((await elsewhere.post('/login', { email: 'invitee@example.ru', password: PASSWORD, next })).headers.location, '/login/code');
    await elsewhere.get('/login/code');
    const beforeCode = await lastMessageId(db);
    t.equal((await elsewhere.post('/login/code/send', { channel: 'email' })).statusCode, 303);
    const code = codeIn((await messageTo(db, 'invitee@example.ru', beforeCode)).text);
    t.equal((await elsewhere.post('/login/code', { code })).headers.location, next, 'the invitee lands on the invitation');
  });

  t.test('a `next` that leaves the site is dropped at sign-up', async (t) => {
    const agent = new Agent(app);
    t.match((await agent.get('/register?next=%2F%2Fevil.example')).body, '<input type="hidden" name="next" value="/">');
    const after = await lastMessageId(db);
    await agent.post('/register', form('careful@example.ru', { next: '//evil.example/' }));
    const token = new URL(linkIn((await messageTo(db, 'careful@example.ru', after)).text), 'http://x').searchParams.get('token')!;
    t.equal((await agent.post('/register/confirm', { token })).headers.location, '/login?confirmed=1');
  });

  t.test('an address already registered: the same page, same timing class, and its owner is told', async (t) => {
    // The quickest of a few hashes: a request that hashes cannot be quicker than half of it.
    let hashMs = Infinity;
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      await hashPassword('just-to-measure-1');
      hashMs = Math.min(hashMs, performance.now() - started);
    }

    const fresh = new Agent(app);
    await fresh.get('/register');
    let t0 = performance.now();
    const newOne = await fresh.post('/register', form('new.person@example.ru'));
    const newMs = performance.now() - t0;

    const taken = new Agent(app);
    await taken.get('/register');
    const after = await lastMessageId(db);
    t0 = performance.now();
    const existing = await taken.post('/register', form('RESIDENT@demo.local'));
    const existingMs = performance.now() - t0;

    t.equal(existing.statusCode, newOne.statusCode);
    t.equal(existing.headers.location, newOne.headers.location);
    const pageNew = (await fresh.get('/register/sent')).body.replace(/new\.person@example\.ru/g, 'X').replace(/value="[^"]+"|"X-CSRF-Token": "[^"]+"/g, '');
    const pageTaken = (await taken.get('/register/sent')).body.replace(/resident@demo\.local/g, 'X').replace(/value="[^"]+"|"X-CSRF-Token": "[^"]+"/g, '');
    t.equal(pageTaken, pageNew, 'the page is the same but for the address');
    t.ok(existingMs >= hashMs * 0.5, `the taken address is hashed too (${existingMs.toFixed(0)} ms vs hash ${hashMs.toFixed(0)} ms)`);
    t.ok(newMs >= hashMs * 0.5, `a new address is hashed (${newMs.toFixed(0)} ms)`);

    const message = await messageTo(db, 'resident@demo.local', after);
    t.equal(message.subject, 'Попытка регистрации с вашим адресом');
    t.match(message.text, /Кто-то попытался зарегистрироваться/);
    const residents = await db.selectFrom('residents').select('phone').where('email', '=', 'resident@demo.local').execute();
    t.same(residents, [{ phone: '+79161234567' }], 'no second account, nothing changed');
  });

  t.test('resend: a new link replaces the old one, and it is rate-limited', async (t) => {
    const agent = new Agent(app);
    await agent.get('/register');
    const after = await lastMessageId(db);
    await agent.post('/register', form('resend@example.ru'));
    const first = await messageTo(db, 'resend@example.ru', after);
    await agent.get('/register/sent');
    const resent = await agent.post('/register/resend');
    t.equal(resent.statusCode, 303);
    t.equal(resent.headers.location, '/register/sent?resent=1');
    t.match((await agent.get('/register/sent?resent=1')).body, /Письмо отправлено ещё раз/);
    const second = await messageTo(db, 'resend@example.ru', first.id);
    t.not(linkIn(second.text), linkIn(first.text));
    const oldToken = new URL(linkIn(first.text), 'http://x').searchParams.get('token')!;
    t.equal((await agent.post('/register/confirm', { token: oldToken })).statusCode, 410, 'the earlier link no longer works');

    await agent.post('/register/resend');
    await agent.post('/register/resend');
    const limited = await agent.post('/register/resend');
    t.equal(limited.statusCode, 429);
    t.ok(Number(limited.headers['retry-after']) > 0 && Number(limited.headers['retry-after']) <= 3600);
    t.match(limited.body, /Попробуйте снова через \d+ минут/);
  });

  t.test('a confirmation link expires after 24 hours', async (t) => {
    const agent = new Agent(app);
    await agent.get('/register');
    const after = await lastMessageId(db);
    await agent.post('/register', form('late@example.ru'));
    const token = new URL(linkIn((await messageTo(db, 'late@example.ru', after)).text), 'http://x').searchParams.get('token')!;
    clock.advance(24 * 3600_000 + 60_000);
    const late = await agent.post('/register/confirm', { token });
    t.equal(late.statusCode, 410);
    const row = await db.selectFrom('residents').select('email_confirmed_at').where('email', '=', 'late@example.ru').executeTakeFirstOrThrow();
    t.equal(row.email_confirmed_at, null);
  });

  t.test('sign-up is limited per address, with Retry-After and a Russian message', async (t) => {
    const agent = new Agent(app);
    await agent.get('/register');
    for (let i = 0; i < 3; i++) t.equal((await agent.post('/register', form('many@example.ru'))).statusCode, 303);
    const limited = await agent.post('/register', form('many@example.ru'));
    t.equal(limited.statusCode, 429);
    t.equal(limited.headers['retry-after'], '3600');
    t.match(limited.body, /Слишком много попыток\. Попробуйте снова через 60 минут\./);
    t.match(limited.body, /value="many@example\.ru"/, 'input kept');
  });
});
