import t from 'tap';
import { Agent, testApp } from '../fixtures/app.js';
import { sessionCookie } from '../fixtures/sessions.js';

t.test('the home page explains the service and links to sign-up and sign-in', async (t) => {
  const { app } = await testApp(t.teardown, { redis: false });
  const response = await new Agent(app).get('/');
  t.equal(response.statusCode, 200);
  t.match(response.headers['content-type'], /text\/html/);
  t.match(response.body, /<a class="button" href="\/register">Зарегистрироваться<\/a>/);
  t.match(response.body, /href="\/login">Войти<\/a>/);
  t.match(response.body, /class="skip-link" href="#main"/);
  t.match(response.headers['content-security-policy'], /script-src 'self'/);
});

t.test('a signed-in resident sees the sections of the account', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { redis: false, seed: true });
  const resident = await db.selectFrom('residents').select('id').where('email', '=', 'resident@demo.local').executeTakeFirstOrThrow();
  const cookie = await sessionCookie(db, config, { residentId: resident.id });
  const response = await new Agent(app).setCookie(cookie.name, cookie.value).get('/');
  t.equal(response.statusCode, 200);
  t.match(response.body, /Вы вошли как resident@demo\.local/);
  for (const section of ['Главная', 'Услуги', 'Счета', 'Показания', 'Объявления', 'Профиль']) {
    t.match(response.body, `>${section}</a>`);
  }
});
