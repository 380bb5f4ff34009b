import t from 'tap';
import { sendEmailLater, sendSmsLater } from '../src/messaging/service.js';
import { Agent, messageTo, testApp } from './fixtures/app.js';

t.test('/healthz answers 200 while the database answers', async (t) => {
  const { app } = await testApp(t.teardown, { redis: false });
  const response = await app.inject('/healthz');
  t.equal(response.statusCode, 200);
  t.same(response.json(), { status: 'ok' });
});

t.test('unknown pages get a Russian 404 page', async (t) => {
  const { app } = await testApp(t.teardown, { redis: false });
  const response = await app.inject('/no/such/page');
  t.equal(response.statusCode, 404);
  t.match(response.body, /<h1>Страница не найдена<\/h1>/);
  const staff = await app.inject('/admin/no/such/page');
  t.equal(staff.statusCode, 404);
  t.match(staff.body, /Служебный кабинет/, 'the back-office layout under /admin');
});

t.test('an unsafe request without a valid CSRF token is refused', async (t) => {
  const { app } = await testApp(t.teardown, { redis: false });
  const agent = new Agent(app);
  await agent.get('/');
  t.ok(agent.csrfToken, 'pages carry a token');
  const without = await agent.post('/logout', { _csrf: '' });
  t.equal(without.statusCode, 403);
  t.match(without.body, /Страница устарела/);
  const forged = await agent.post('/logout', { _csrf: 'forged-token' });
  t.equal(forged.statusCode, 403);
  const stranger = await app.inject({ method: 'POST', url: '/logout', headers: { 'x-csrf-token': agent.csrfToken } });
  t.equal(stranger.statusCode, 403, 'a token without its secret cookie is worthless');
});

t.test('messages go through the outbox and BullMQ into the mailbox, newest first', async (t) => {
  const { app, db } = await testApp(t.teardown);
  await db.transaction().execute(async (trx) => {
    await sendEmailLater(trx, { to: 'anna@example.ru', subject: 'Подтвердите адрес', text: 'Ссылка: http://localhost:3000/confirm?token=abc' });
    await sendSmsLater(trx, { to: '+79161234567', text: 'Код подтверждения: 123456' });
  });
  await messageTo(db, 'anna@example.ru');
  await messageTo(db, '+79161234567');
  const mailbox = await app.inject('/dev/mailbox');
  t.equal(mailbox.statusCode, 200);
  const smsAt = mailbox.body.indexOf('Код подтверждения: 123456');
  const emailAt = mailbox.body.indexOf('Подтвердите адрес');
  t.ok(smsAt > 0 && emailAt > 0 && smsAt < emailAt, 'both listed, newest first');
  t.match(mailbox.body, /<a href="http:\/\/localhost:3000\/confirm\?token=abc">/, 'links are clickable');
  const message = await db.selectFrom('sent_messages').select('id').where('recipient', '=', 'anna@example.ru').executeTakeFirstOrThrow();
  const one = await app.inject(`/dev/mailbox/${message.id}`);
  t.equal(one.statusCode, 200);
  t.match(one.body, /anna@example\.ru/);
  t.equal((await app.inject('/dev/mailbox/999999')).statusCode, 404);
  t.equal((await app.inject('/dev/mailbox/abc')).statusCode, 404);
});

t.test('in production /dev/* answers 404 and errors show no stack trace', async (t) => {
  const { app } = await testApp(t.teardown, { redis: false, env: { NODE_ENV: 'production' } });
  t.equal((await app.inject('/dev/mailbox')).statusCode, 404);
  t.equal((await app.inject('/dev/mailbox/1')).statusCode, 404);
  const home = await app.inject('/');
  t.equal(home.statusCode, 200);
  t.match(home.headers['strict-transport-security'], /max-age/);
});
