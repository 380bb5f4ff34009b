import t from 'tap';
import { sql } from 'kysely';
import { cleanUpAuthRecords } from '../../src/features/auth/service.js';
import { ERASED_AFTER_SENDING } from '../../src/messaging/service.js';
import { Agent, eventually, testApp } from '../fixtures/app.js';

t.test('in production a sent message keeps no code or link: neither its record nor its outbox row', async (t) => {
  const { app, db } = await testApp(t.teardown, { seed: true, env: { NODE_ENV: 'production' } });
  const agent = new Agent(app);
  await agent.get('/password-reset');
  t.equal((await agent.post('/password-reset', { email: 'resident@demo.local' })).statusCode, 303);
  const sent = await eventually(() =>
    db.selectFrom('sent_messages').selectAll().where('recipient', '=', 'resident@demo.local').where('status', '=', 'sent').executeTakeFirst(),
  );
  t.equal(sent.text, ERASED_AFTER_SENDING, 'the text with the reset link is gone');
  t.equal(sent.html, null);
  t.ok(sent.erased_at, 'and the record says when');
  const outbox = await eventually(() => db.selectFrom('outbox').selectAll().where('id', '=', sent.outbox_id!).where('status', '=', 'done').executeTakeFirst());
  t.same(outbox.payload, {}, 'the outbox payload is erased too');
  t.ok(outbox.payload_erased_at);
});

t.test('expired sessions are deleted by the hourly clean-up; live ones stay', async (t) => {
  const { db, clock } = await testApp(t.teardown, { redis: false });
  const row = (sid: string, expires: string) => ({ sid, area: 'resident' as const, data: '{}', expires_at: sql<Date>`now() + ${expires}::interval` });
  await db.insertInto('sessions').values([row('old', '-1 minute'), row('live', '1 hour')]).execute();
  await cleanUpAuthRecords(db, clock.now());
  t.same((await db.selectFrom('sessions').select('sid').execute()).map((r) => r.sid), ['live']);
});
