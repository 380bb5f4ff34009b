import t from 'tap';
import { ConfigError, loadConfig } from '../../../src/config.js';

const SECRET = 'a-session-secret-that-is-long-enough-0123456789';

t.test('outside production the cabinet uses its own sandbox ЕСИА under PUBLIC_URL', async (t) => {
  const config = loadConfig({ SESSION_SECRET: SECRET, PUBLIC_URL: 'http://localhost:3000' });
  t.equal(config.sandboxEsia, true);
  t.equal(config.esia?.issuer, 'http://localhost:3000/sandbox-esia');
  t.equal(config.esia?.clientId, 'zhku-cabinet');
  t.ok(config.esia!.clientSecret.length >= 32, 'a secret derived from the session secret');
  t.equal(loadConfig({ SESSION_SECRET: SECRET, PUBLIC_URL: 'http://localhost:3000' }).esia?.clientSecret, config.esia?.clientSecret, 'stable across restarts');
});

t.test('a real ЕСИА is named by three variables together', async (t) => {
  const config = loadConfig({
    NODE_ENV: 'production', SESSION_SECRET: SECRET, PUBLIC_URL: 'https://lk.example.ru',
    ESIA_ISSUER: 'https://esia.example.ru/', ESIA_CLIENT_ID: 'ZHKU01', ESIA_CLIENT_SECRET: 'secret-from-registration',
  });
  t.same(config.esia, { issuer: 'https://esia.example.ru', clientId: 'ZHKU01', clientSecret: 'secret-from-registration' });
  t.equal(config.sandboxEsia, false, 'no sandbox in production');

  t.throws(() => loadConfig({ NODE_ENV: 'production', SESSION_SECRET: SECRET, ESIA_ISSUER: 'https://esia.example.ru' }), new ConfigError('ESIA_ISSUER, ESIA_CLIENT_ID and ESIA_CLIENT_SECRET must be set together'));
  t.throws(
    () => loadConfig({ NODE_ENV: 'production', SESSION_SECRET: SECRET, ESIA_ISSUER: 'http://esia.example.ru', ESIA_CLIENT_ID: 'a', ESIA_CLIENT_SECRET: 'b' }),
    new ConfigError('ESIA_ISSUER must start with https://'), 'production needs https',
  );
  t.equal(loadConfig({ NODE_ENV: 'production', SESSION_SECRET: SECRET }).esia, undefined, 'production without ЕСИА: no Госуслуги buttons');
});
