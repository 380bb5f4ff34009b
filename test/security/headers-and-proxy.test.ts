import t, { type Test } from 'tap';
import { Agent, testApp } from '../fixtures/app.js';
import { signedIn } from '../fixtures/sessions.js';

t.test('every page a signed-in resident sees is sent with Cache-Control: no-store', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, redis: false });
  const resident = await db.selectFrom('residents').select('id').where('email', '=', 'resident@demo.local').executeTakeFirstOrThrow();
  const agent = await signedIn(app, db, config, { residentId: resident.id });
  const home = await agent.get('/');
  const links = [...new Set([...home.body.matchAll(/href="(\/[^"#]*)"/g)].map((m) => m[1]!).filter((href) => !/^\/(vendor|public)\//.test(href)))];
  t.ok(links.length >= 5, `${links.length} pages linked from the home page`);
  for (const url of ['/', ...links, '/login']) {
    const response = await agent.get(url);
    t.equal(response.headers['cache-control'], 'no-store', `${url} (${response.statusCode})`);
  }
  const anonymous = await new Agent(app).get('/terms');
  t.not(anonymous.headers['cache-control'], 'no-store', 'a public page for an anonymous visitor may be cached');
});

async function failedSignInAddress(env: Record<string, string>, t: Test): Promise<string | null> {
  const { app, db } = await testApp(t.teardown, { seed: true, redis: false, env });
  const login = await app.inject('/admin/login');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(login.body)![1]!;
  const cookie = login.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  await app.inject({
    method: 'POST',
    url: '/admin/login',
    remoteAddress: '192.0.2.10',
    payload: new URLSearchParams({ _csrf: csrf, email: 'admin@demo.local', password: 'wrong' }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, 'x-forwarded-for': '203.0.113.66, 198.51.100.7' },
  });
  const row = await db.selectFrom('audit_log').select('ip').where('action', '=', 'staff.sign-in-failed').executeTakeFirstOrThrow();
  return row.ip;
}

t.test('X-Forwarded-For is believed only for as many proxies as TRUST_PROXY declares', async (t) => {
  t.equal(await failedSignInAddress({}, t), '192.0.2.10', 'by default the client cannot choose its own address');
  t.equal(await failedSignInAddress({ NODE_ENV: 'production', SESSION_SECRET: 'p'.repeat(40) }, t), '192.0.2.10', 'nor in production');
  t.equal(await failedSignInAddress({ TRUST_PROXY: '1' }, t), '198.51.100.7', 'one proxy: the address it appended');
  t.equal(await failedSignInAddress({ TRUST_PROXY: '2' }, t), '203.0.113.66', 'two proxies: the address the outer one appended');
});
