import t from 'tap';
import { safeNext } from '../../src/security/redirects.js';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { freshDatabase, lifo } from '../fixtures/database.js';

t.test('a redirect target is a local path, percent-encoded, or the home page', async (t) => {
  t.equal(safeNext('/тест?a=б#в'), '/%D1%82%D0%B5%D1%81%D1%82?a=%D0%B1#%D0%B2');
  t.equal(safeNext('/bills?period=2026-10-01'), '/bills?period=2026-10-01');
  t.equal(safeNext('/a b"<>'), '/a%20b%22%3C%3E');
  t.equal(safeNext('/\uD800'), '/%EF%BF%BD', 'a lone surrogate becomes the replacement character');
  for (const bad of ['/a/..//evil.example', '/\u2028', '/\u0000', '/a\r\nSet-Cookie: x=1', '/\\evil.example', '//evil.example']) {
    const next = safeNext(bad);
    t.ok(next === '/' || (/^\/[\u0021-\u007e]*$/.test(next) && !next.startsWith('//')), `${encodeURIComponent(bad)} → ${next}`);
  }
  t.equal(safeNext('/a/..//evil.example'), '/', 'a path that normalises to another host is refused');
});

t.test('a header Node would refuse to write is a 500 page for that request, not a crash', async (t) => {
  const teardown = lifo(t.teardown);
  const { db, url } = await freshDatabase(teardown);
  const app = await buildApp({ config: loadConfig({ NODE_ENV: 'test', DATABASE_URL: url, SESSION_SECRET: 's'.repeat(40) }), db, startJobs: false });
  app.get('/raw-location', async (_request, reply) => reply.redirect('/тест', 303));
  await app.ready();
  teardown(() => app.close());
  const response = await app.inject('/raw-location');
  t.equal(response.statusCode, 500);
  t.equal(response.headers.location, undefined, 'the bad header is dropped');
  t.match(response.body, /Ошибка на сервере/);
  t.equal((await app.inject('/healthz')).statusCode, 200);
});
