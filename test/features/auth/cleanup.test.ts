import t from 'tap';
import { cleanUpAuthRecords } from '../../../src/features/auth/service.js';
import { overLimit } from '../../../src/security/rate-limits.js';
import { testApp } from '../../fixtures/app.js';

t.test('the hourly clean-up forgets old windows, failures and trusted devices, and keeps live ones', async (t) => {
  const { db } = await testApp(t.teardown, { redis: false });
  const now = new Date('2026-11-20T12:00:00Z');
  const old = new Date('2026-11-18T12:00:00Z');
  const resident = await db.insertInto('residents').values({ email: 'a@example.ru', phone: '+79160000000', password_hash: 'x' }).returning('id').executeTakeFirstOrThrow();
  await db.insertInto('rate_limits').values([
    { key: 'sign-in:ip:old', window_started_at: old, hits: 3 },
    { key: 'sign-in:ip:live', window_started_at: now, hits: 3 },
  ]).execute();
  await db.insertInto('sign_in_failures').values([
    { email: 'old@example.ru', failures: 2, updated_at: old },
    { email: 'live@example.ru', failures: 2, updated_at: now },
  ]).execute();
  await db.insertInto('trusted_devices').values([
    { resident_id: resident.id, token_hash: 'expired', expires_at: old, created_at: old },
    { resident_id: resident.id, token_hash: 'live', expires_at: new Date('2026-12-01T00:00:00Z'), created_at: now },
  ]).execute();

  await cleanUpAuthRecords(db, now);
  await cleanUpAuthRecords(db, now);

  t.same((await db.selectFrom('rate_limits').select('key').execute()).map((r) => r.key), ['sign-in:ip:live']);
  t.same((await db.selectFrom('sign_in_failures').select('email').execute()).map((r) => r.email), ['live@example.ru']);
  t.same((await db.selectFrom('trusted_devices').select('token_hash').execute()).map((r) => r.token_hash), ['live']);
});

t.test('a limit counts hits in a window that starts with the first hit', async (t) => {
  const { db } = await testApp(t.teardown, { redis: false });
  const limit = { name: 'test', max: 2, windowMs: 60_000 };
  const at = (s: number) => new Date(Date.UTC(2026, 10, 20, 12, 0, s));
  t.equal(await overLimit(db, [[limit, 'x']], at(0)), null);
  t.equal(await overLimit(db, [[limit, 'x']], at(10)), null);
  t.equal(await overLimit(db, [[limit, 'x']], at(20)), 40_000, 'the third hit waits until the window ends');
  t.equal(await overLimit(db, [[limit, 'y']], at(20)), null, 'another subject has its own counter');
  t.equal(await overLimit(db, [[limit, 'x']], at(61)), null, 'a new window');
});
