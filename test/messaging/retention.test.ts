import t from 'tap';
import { ERASED_TEXT, eraseOldMessages, sendEmailLater } from '../../src/messaging/service.js';
import type { Clock } from '../../src/lib/calendar.js';
import { messageTo, testApp } from '../fixtures/app.js';

t.test('message bodies and outbox payloads are erased after the retention period, the record stays', async (t) => {
  let shiftDays = 0;
  const clock: Clock = {
    now: () => new Date(Date.now() + shiftDays * 24 * 3600_000),
    today: () => clock.now().toISOString().slice(0, 10),
  };
  // Without Redis the recurring jobs first run an interval after start, not at once: the
  // monthly bill run queued on the 4th or later would add a finished outbox row of its own.
  const { app, db, config } = await testApp(t.teardown, { redis: false, clock, env: { MESSAGE_RETENTION_DAYS: '7' } });
  await db.transaction().execute((trx) =>
    sendEmailLater(trx, { to: 'anna@example.ru', subject: 'Код', text: 'Код подтверждения: 246810', html: '<p>246810</p>' }),
  );
  const message = await messageTo(db, 'anna@example.ru');
  const ctx = { db, clock, config };

  shiftDays = 6;
  t.same(await eraseOldMessages(ctx), { messages: 0, payloads: 0 }, 'nothing before the period is over');
  t.match((await app.inject(`/dev/mailbox/${message.id}`)).body, '246810');

  shiftDays = 8;
  t.same(await eraseOldMessages(ctx), { messages: 1, payloads: 1 });
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
