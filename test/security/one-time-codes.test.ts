import t from 'tap';
import { checkCode, issueCode } from '../../src/security/one-time-codes.js';
import { testApp } from '../fixtures/app.js';
import { lockWaitSeen } from '../fixtures/database.js';

const SECRET = 'test-secret-test-secret-test-secret';

t.test('codes requested at the same moment: one is sent, the other waits its minute', async (t) => {
  const { db } = await testApp(t.teardown);
  const now = new Date('2026-11-20T09:00:00Z');
  const request = { purpose: 'phone-change', subjectId: 4242, channel: 'sms' as const, destination: '+79161234567', now, secret: SECRET };

  // The second request arrives while the first one's transaction is still open.
  let second: ReturnType<typeof issueCode> | undefined;
  const first = await db.transaction().execute(async (trx) => {
    const issued = await issueCode(trx, request);
    second = db.transaction().execute((other) => issueCode(other, request));
    await lockWaitSeen(db);
    return issued;
  });
  t.equal(first.ok, true);
  const late = await second!;
  t.equal(late.ok, false, 'no second SMS');
  if (!late.ok) t.equal(late.reason, 'too-soon');
  const rows = await db.selectFrom('one_time_codes').select('id').where('subject_id', '=', 4242).execute();
  t.equal(rows.length, 1);
  if (first.ok) t.equal(await db.transaction().execute((trx) => checkCode(trx, { purpose: 'phone-change', subjectId: 4242, code: first.code, now, secret: SECRET })), 'ok');
});
