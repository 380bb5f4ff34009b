import t from 'tap';
import { PAGE_LIMITS } from '../../src/plugins/rate-limit.js';
import { testApp } from '../fixtures/app.js';
import { sessionCookie } from '../fixtures/sessions.js';

const PRODUCTION = { NODE_ENV: 'production', SESSION_SECRET: 'p'.repeat(40), LOG_LEVEL: 'silent' };

t.test('ordinary pages: a signed-in person is counted by session, an anonymous visitor by address, across the shared Redis', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, redis: true, env: PRODUCTION });
  const residents = await db.selectFrom('residents').select('id').orderBy('id').limit(2).execute();
  const first = await sessionCookie(db, config, { residentId: residents[0]!.id });
  const second = await sessionCookie(db, config, { residentId: residents[1]!.id });
  const carrier = '198.51.100.20'; // one address shared by many phones
  const get = (cookie?: string) =>
    app.inject({ method: 'GET', url: '/terms', remoteAddress: carrier, headers: cookie ? { cookie } : {} });

  const limit = PAGE_LIMITS.production.perSession;
  t.ok(limit >= 300 && PAGE_LIMITS.production.perAddress >= 10 * 300, 'the figures README gives');
  let refused = 0;
  for (let i = 0; i < limit; i++) if ((await get(`${first.name}=${first.value}`)).statusCode === 429) refused += 1;
  t.equal(refused, 0, `${limit} requests in a minute from one session pass`);
  const over = await get(`${first.name}=${first.value}`);
  t.equal(over.statusCode, 429, 'one more is refused');
  t.match(over.body, /Слишком много запросов/);

  const other = await get(`${second.name}=${second.value}`);
  t.equal(other.statusCode, 200, 'another person behind the same address is not affected');
  t.equal(other.headers['x-ratelimit-limit'], String(limit));
  t.equal((await get()).statusCode, 200, 'nor an anonymous visitor from it');
  const forged = await get(`${first.name}=made-up-session.signature`);
  t.equal(forged.statusCode, 200, 'a cookie not signed by us counts against the address, not a fresh session bucket');
  t.equal(forged.headers['x-ratelimit-limit'], String(PAGE_LIMITS.production.perAddress));
});
