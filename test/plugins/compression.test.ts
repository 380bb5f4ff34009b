import t from 'tap';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { testApp } from '../fixtures/app.js';

t.test('pages and static files are compressed for clients that accept it', async (t) => {
  const { app } = await testApp(t.teardown, { redis: false });
  const page = await app.inject({ url: '/', headers: { 'accept-encoding': 'br, gzip' } });
  t.equal(page.statusCode, 200);
  t.equal(page.headers['content-encoding'], 'br');
  t.match(brotliDecompressSync(page.rawPayload).toString('utf8'), /<html/);

  const css = await app.inject({ url: '/public/css/app.css', headers: { 'accept-encoding': 'gzip' } });
  t.equal(css.headers['content-encoding'], 'gzip');
  t.ok(css.rawPayload.length < gunzipSync(css.rawPayload).length / 2, 'to less than half its size');

  const plain = await app.inject({ url: '/' });
  t.equal(plain.headers['content-encoding'], undefined, 'a client that asks for nothing gets plain HTML');
  t.match(plain.body, /<html/);
});
