import t from 'tap';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../src/config.js';
import { testTempDir } from './fixtures/temp.js';

// Every folder a test makes goes at the end of the file, so a run leaves nothing behind.
const dataDir = () => {
  const dir = testTempDir('config-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

t.test('defaults: the embedded mode with nothing set', async (t) => {
  const dir = dataDir();
  const config = loadConfig({ DATA_DIR: dir });
  t.equal(config.port, 3000);
  t.equal(config.host, '127.0.0.1');
  t.equal(config.publicUrl, 'http://localhost:3000');
  t.equal(config.databaseUrl, undefined);
  t.equal(config.redisUrl, undefined);
  t.equal(config.inlineWorkers, false);
  t.equal(config.isProduction, false);
  t.equal(config.trustProxyHops, 0, 'no proxy is believed unless one is declared');
  // The generated session secret is kept in DATA_DIR and reused on the next start.
  t.equal(config.sessionSecret, readFileSync(path.join(dir, 'session-secret'), 'utf8'));
  t.ok(config.sessionSecret.length >= 32);
  t.equal(loadConfig({ DATA_DIR: dir }).sessionSecret, config.sessionSecret);
});

t.test('values are read and normalised', async (t) => {
  const config = loadConfig({
    PORT: '8080',
    HOST: '0.0.0.0',
    PUBLIC_URL: 'https://lk.example.ru/',
    DATA_DIR: dataDir(),
    DATABASE_URL: 'postgres://u@db:5432/zhku',
    REDIS_URL: 'redis://cache:6379',
    WORKERS: 'inline',
    APP_TODAY: '2026-02-28',
  });
  t.equal(config.port, 8080);
  t.equal(config.publicUrl, 'https://lk.example.ru');
  t.equal(config.databaseUrl, 'postgres://u@db:5432/zhku');
  t.equal(config.databaseOwnerUrl, 'postgres://u@db:5432/zhku', 'without DATABASE_OWNER_URL migrations use DATABASE_URL');
  t.equal(config.inlineWorkers, true);
  t.equal(config.appToday, '2026-02-28');
  const twoRoles = loadConfig({ DATA_DIR: dataDir(), DATABASE_URL: 'postgres://zhku_app@db/zhku', DATABASE_OWNER_URL: 'postgres://zhku_owner@db/zhku' });
  t.equal(twoRoles.databaseUrl, 'postgres://zhku_app@db/zhku', 'the app keeps DATABASE_URL');
  t.equal(twoRoles.databaseOwnerUrl, 'postgres://zhku_owner@db/zhku', 'migrations connect as the owner');
  t.equal(loadConfig({ DATA_DIR: dataDir(), TRUST_PROXY: '2' }).trustProxyHops, 2);
  t.equal(loadConfig({ DATA_DIR: dataDir(), NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40) }).trustProxyHops, 0, 'production too: no proxy is believed until TRUST_PROXY says how many there are');
});

t.test('a bad value stops with one line naming the variable', async (t) => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ PORT: 'abc' }, /^PORT /],
    [{ PORT: '70000' }, /^PORT /],
    [{ PUBLIC_URL: 'not a url' }, /^PUBLIC_URL /],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL /],
    [{ REDIS_URL: 'http://x' }, /^REDIS_URL /],
    [{ APP_TODAY: '2026-02-30' }, /^APP_TODAY /],
    [{ APP_TODAY: 'tomorrow' }, /^APP_TODAY /],
    [{ NODE_ENV: 'staging' }, /^NODE_ENV /],
    [{ WORKERS: 'many' }, /^WORKERS /],
    [{ TRUST_PROXY: 'true' }, /^TRUST_PROXY /],
    [{ LOG_LEVEL: 'verbose' }, /^LOG_LEVEL /],
    [{ SESSION_SECRET: 'short' }, /^SESSION_SECRET /],
    [{ MESSAGE_RETENTION_DAYS: '0' }, /^MESSAGE_RETENTION_DAYS /],
    [{ NODE_ENV: 'production' }, /^SESSION_SECRET is required in production/],
    // An owner URL without DATABASE_URL is a mistake: the embedded database has one user.
    [{ DATABASE_OWNER_URL: 'postgres://zhku_owner@db/zhku' }, /^DATABASE_OWNER_URL needs DATABASE_URL too/],
    [{ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40), APP_TODAY: '2026-11-01' }, /^APP_TODAY must not be set in production/],
  ];
  for (const [env, message] of cases) {
    t.throws(() => loadConfig({ DATA_DIR: dataDir(), ...env }), { name: 'Error', message }, JSON.stringify(env));
    try {
      loadConfig({ DATA_DIR: dataDir(), ...env });
    } catch (error) {
      t.type(error, ConfigError);
      t.notMatch((error as Error).message, /\n/, 'one line');
    }
  }
});
