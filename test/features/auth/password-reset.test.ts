import t from 'tap';
import { hashPassword } from '../../../src/security/passwords.js';
import { Agent, messageTo, testApp } from '../../fixtures/app.js';
import { lastMessageId, linkIn, manualClock, signInResident } from '../../fixtures/resident-auth.js';
import { sessionCookie } from '../../fixtures/sessions.js';

const OLD = 'Соседи-по-лестнице-7';
const NEW = 'Новый-пароль-для-ЖКУ-2026';

t.test('password reset', async (t) => {
  const clock = manualClock();
  const { app, db, config } = await testApp(t.teardown, { clock });
  const resident = await db
    .insertInto('residents')
    .values({ email: 'olga@example.ru', phone: '+79160000001', password_hash: await hashPassword(OLD), email_confirmed_at: new Date() })
    .returning('id')
    .executeTakeFirstOrThrow();

  async function requestLink(agent: Agent, email = 'olga@example.ru') {
    await agent.get('/password-reset');
    const after = await lastMessageId(db);
    const response = await agent.post('/password-reset', { email });
    return { response, message: () => messageTo(db, email, after) };
  }

  t.test('a known and an unknown address get the same answer; only the known one gets mail', async (t) => {
    const agent = new Agent(app);
    const known = await requestLink(agent);
    const unknown = await requestLink(agent, 'stranger@example.ru');
    t.equal(known.response.statusCode, 303);
    t.equal(unknown.response.statusCode, 303);
    t.equal(known.response.headers.location, '/password-reset/sent');
    t.equal(unknown.response.headers.location, '/password-reset/sent');
    t.match((await agent.get('/password-reset/sent')).body, /Если этот адрес зарегистрирован, мы отправили на него ссылку/);
    const message = await known.message();
    t.equal(message.subject, 'Восстановление пароля');
    const outbox = await db.selectFrom('outbox').select('payload').execute();
    t.notOk(JSON.stringify(outbox).includes('stranger@example.ru'), 'nothing is sent to an unknown address');
  });

  t.test('«Новый пароль» ends every other session; the link works once', async (t) => {
    const other1 = await sessionCookie(db, config, { residentId: resident.id });
    const other2 = await sessionCookie(db, config, { residentId: resident.id });
    t.equal((await db.selectFrom('sessions').select('sid').where('resident_id', '=', resident.id).execute()).length, 2);

    const agent = new Agent(app);
    const { message } = await requestLink(agent);
    const link = linkIn((await message()).text);
    const form = await agent.get(link);
    t.equal(form.statusCode, 200);
    t.match(form.body, />Новый пароль<\/label>/);
    t.match(form.body, />Повторите пароль<\/label>/);
    const token = new URL(link, 'http://x').searchParams.get('token')!;

    const weak = await agent.post('/password-reset/new', { token, password: 'password123', password_repeat: 'password123' });
    t.equal(weak.statusCode, 422);
    t.match(weak.body, /слишком распространён/);
    const ownEmail = await agent.post('/password-reset/new', { token, password: 'olga@example.ru', password_repeat: 'olga@example.ru' });
    t.match(ownEmail.body, /не должен совпадать с адресом/);

    const after = await lastMessageId(db);
    const done = await agent.post('/password-reset/new', { token, password: NEW, password_repeat: NEW });
    t.equal(done.statusCode, 303);
    t.equal(done.headers.location, '/login?reset=1');
    t.equal((await db.selectFrom('sessions').select('sid').where('resident_id', '=', resident.id).execute()).length, 0, 'every other session ended');
    for (const cookie of [other1, other2]) {
      const page = await new Agent(app).setCookie(cookie.name, cookie.value).get('/profile');
      t.equal(page.statusCode, 303, 'an old session is signed out');
    }
    t.equal((await messageTo(db, 'olga@example.ru', after)).subject, 'Пароль изменён');

    t.equal((await agent.post('/password-reset/new', { token, password: 'Ещё-один-пароль-99', password_repeat: 'Ещё-один-пароль-99' })).statusCode, 410, 'a used link');
    t.equal((await agent.get(link)).statusCode, 410);

    await agent.get('/login');
    t.equal((await agent.post('/login', { email: 'olga@example.ru', password: OLD })).statusCode, 422, 'the old password no longer works');
    await signInResident(new Agent(app), app, db, 'olga@example.ru', NEW);
  });

  t.test('a reset link also confirms an address that was not confirmed yet', async (t) => {
    await db.insertInto('residents').values({ email: 'late.confirm@example.ru', phone: '+79160000002', password_hash: await hashPassword(OLD) }).execute();
    const agent = new Agent(app);
    const { message } = await requestLink(agent, 'late.confirm@example.ru');
    const token = new URL(linkIn((await message()).text), 'http://x').searchParams.get('token')!;
    t.equal((await agent.post('/password-reset/new', { token, password: NEW, password_repeat: NEW })).statusCode, 303);
    await signInResident(new Agent(app), app, db, 'late.confirm@example.ru', NEW);
  });

  t.test('a reset link expires after an hour', async (t) => {
    const agent = new Agent(app);
    const { message } = await requestLink(agent);
    const link = linkIn((await message()).text);
    clock.advance(3600_000 + 1000);
    t.equal((await agent.get(link)).statusCode, 410);
    const token = new URL(link, 'http://x').searchParams.get('token')!;
    t.equal((await agent.post('/password-reset/new', { token, password: 'Ещё-один-пароль-99', password_repeat: 'Ещё-один-пароль-99' })).statusCode, 410);
  });

  t.test('reset requests are limited per address', async (t) => {
    clock.advance(3600_000);
    const agent = new Agent(app);
    for (let i = 0; i < 3; i++) t.equal((await requestLink(agent, 'limit@example.ru')).response.statusCode, 303);
    const limited = (await requestLink(agent, 'limit@example.ru')).response;
    t.equal(limited.statusCode, 429);
    t.equal(limited.headers['retry-after'], '3600');
    t.match(limited.body, /Попробуйте снова через 60 минут/);
  });
});
