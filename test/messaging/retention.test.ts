import t from 'tap';
import { sql } from 'kysely';
import { ERASED_TEXT, eraseOldMessages, sendEmailLater } from '../../src/messaging/service.js';
import type { Clock } from '../../src/lib/calendar.js';
import { eventually, messageTo, testApp } from '../fixtures/app.js';

t.test('message bodies and outbox payloads are erased after the retention period, the record stays', async (t) => {
  let shiftDays = 0;
  const clock: Clock = {
    now: () => new Date(Date.now() + shiftDays * 24 * 3600_000),
    today: () => clock.now().toISOString().slice(0, 10),
  };
  const { app, db, config } = await testApp(t.teardown, { clock, env: { MESSAGE_RETENTION_DAYS: '7' } });
  await db.transaction().execute((trx) =>
    sendEmailLater(trx, { to: 'anna@example.ru', subject: 'Код', text: 'Код подтверждения: 246810', html: '<p>246810</p>' }),
  );
  const message = await messageTo(db, 'anna@example.ru');
  // The outbox row is marked done just after the message is recorded as sent.
  await eventually(() => db.selectFrom('outbox').select('id').where('id', '=', message.outbox_id!).where('status', '=', 'done').executeTakeFirst());
  const ctx = { db, clock, config };

  shiftDays = 6;
  t.same(await eraseOldMessages(ctx), { messages: 0, payloads: 0 }, 'nothing before the period is over');
  t.match((await app.inject(`/dev/mailbox/${message.id}`)).body, '246810');

  shiftDays = 8;
  t.same(await eraseOldMessages(ctx), { messages: 1, payloads: 0 }, "the outbox row's age is counted in the database's time");
  // The relay stamped the row with the database's clock, which the test cannot move.
  await db.updateTable('outbox').set({ finished_at: sql<Date>`finished_at - interval '8 days'` }).where('id', '=', message.outbox_id!).execute();
  t.same(await eraseOldMessages(ctx), { messages: 0, payloads: 1 });
  const erased = await db.selectFrom('sent_messages').selectAll().where('id', '=', message.id).executeTakeFirstOrThrow();
  t.equal(erased.text, ERASED_TEXT);
  t.equal(erased.html, null);
  t.equal(erased.recipient, 'anna@example.ru', 'who got what, and when, is kept');
  t.ok(erased.erased_at);
  const outbox = await db.selectFrom('outbox').select(['payload', 'status']).where('id', '=', message.outbox_id!).executeTakeFirstOrThrow();
  t.same(outbox, { payload: {}, status: 'done' });
  t.notMatch((await app.inject('/dev/mailbox')).body, '246810');
  t.same(await eraseOldMessages(ctx), { messages: 0, payloads: 0 }, 'running twice changes nothing');
});
