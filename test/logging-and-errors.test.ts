import t, { type Test } from 'tap';
import { PassThrough } from 'node:stream';
import { readFileSync } from 'node:fs';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { freshDatabase, lifo } from './fixtures/database.js';

async function appWithLog(t: Test, env: Record<string, string> = {}) {
  const teardown = lifo(t.teardown);
  const { db, url } = await freshDatabase(teardown);
  const log: string[] = [];
  const logStream = new PassThrough();
  logStream.on('data', (chunk) => log.push(String(chunk)));
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: url, SESSION_SECRET: 's'.repeat(40), LOG_LEVEL: 'info', ...env });
  const app = await buildApp({ config, db, logStream });
  app.get('/boom', async () => {
    throw new Error('internal detail that must not leak');
  });
  await app.ready();
  teardown(() => app.close());
  return { app, log };
}

t.test('request logs never carry passwords, codes, tokens or cookies', async (t) => {
  const { app, log } = await appWithLog(t);
  await app.inject({
    method: 'POST',
    url: '/confirm?token=SECRET-TOKEN-123&code=654321',
    payload: 'password=SECRET-PASSWORD&code=777888',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: 'sid=SECRET-COOKIE', 'x-csrf-token': 'SECRET-CSRF' },
  });
  const text = log.join('');
  t.match(text, /\/confirm\?token=\[redacted\]&code=\[redacted\]/, 'the request is logged, its secrets redacted');
  for (const secret of ['SECRET-TOKEN-123', '654321', 'SECRET-PASSWORD', '777888', 'SECRET-COOKIE', 'SECRET-CSRF']) {
    t.notMatch(text, secret, `${secret} is not in the log`);
  }
});

t.test('a failure is a Russian 500 page; the detail goes only to the log', async (t) => {
  for (const NODE_ENV of ['production', 'development']) {
    const { app, log } = await appWithLog(t, NODE_ENV === 'production' ? { NODE_ENV, SESSION_SECRET: 's'.repeat(40) } : { NODE_ENV });
    const response = await app.inject('/boom');
    t.equal(response.statusCode, 500, NODE_ENV);
    t.match(response.body, /<h1>Ошибка на сервере<\/h1>/);
    t.notMatch(response.body, /internal detail|at .*\.ts:\d+/, 'no message or stack in the page');
    t.match(log.join(''), /internal detail that must not leak/, 'but the log has it');
  }
});

t.test('cookies are httpOnly and sameSite=lax, and secure in production', async (t) => {
  const { app } = await appWithLog(t, { NODE_ENV: 'production' });
  const response = await app.inject('/');
  const csrfCookie = response.cookies.find((c) => c.name === '_csrf');
  t.ok(csrfCookie);
  t.equal(csrfCookie!.httpOnly, true);
  t.equal(csrfCookie!.secure, true);
  t.equal(String(csrfCookie!.sameSite).toLowerCase(), 'lax');
});

t.test('htmx and the stylesheet come from our own origin', async (t) => {
  const { app } = await appWithLog(t);
  const htmx = await app.inject('/vendor/htmx/htmx.min.js');
  t.equal(htmx.statusCode, 200);
  t.match(htmx.headers['content-type'], /javascript/);
  t.equal((await app.inject('/vendor/htmx/htmx.js')).statusCode, 404, 'only the file we use');
  t.equal((await app.inject('/vendor/htmx/../../package.json')).statusCode, 404);
  const css = await app.inject('/public/css/app.css');
  t.equal(css.statusCode, 200);
  t.ok(readFileSync('public/css/app.css').length < 30 * 1024, 'the stylesheet stays under 30 KB');
});
