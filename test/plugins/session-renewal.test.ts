import t from 'tap';
import { needsRenewal, residentSessions } from '../../src/plugins/session.js';
import { testApp } from '../fixtures/app.js';
import { signedIn } from '../fixtures/sessions.js';

const HOUR = 3600_000;

t.test('needsRenewal: only once a sixteenth of the lifetime has passed', async (t) => {
  const now = Date.parse('2026-11-20T09:00:00Z');
  const life = 8 * HOUR;
  t.equal(needsRenewal(undefined, life, now), false, 'a new session is saved because it changed, not for its expiry');
  t.equal(needsRenewal(new Date(now + life), life, now), false, 'just extended');
  t.equal(needsRenewal(new Date(now + life - 29 * 60_000), life, now), false, '29 minutes in');
  t.equal(needsRenewal(new Date(now + life - 31 * 60_000), life, now), true, '31 minutes in');
});

t.test('a page view neither rewrites the session row nor re-sends the cookie; an ageing session is extended once', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, redis: false });
  const resident = await db.selectFrom('residents').select('id').where('email', '=', 'resident@demo.local').executeTakeFirstOrThrow();
  const agent = await signedIn(app, db, config, { residentId: resident.id });
  const row = () => db.selectFrom('sessions').select(['sid', 'data', 'expires_at', 'updated_at']).where('resident_id', '=', resident.id).executeTakeFirstOrThrow();
  const before = await row();

  for (const url of ['/', '/readings', '/']) {
    const page = await agent.get(url);
    t.equal(page.statusCode, 200, url);
    t.notOk(page.cookies.some((c) => c.name === residentSessions.cookieName), `${url}: no Set-Cookie for the session`);
  }
  const after = await row();
  t.same(after, before, 'the row is untouched by three page views');

  // Half the lifetime gone (the resident came back after four hours): the next view moves the expiry on.
  const aged = new Date(Date.now() + residentSessions.maxAgeMs / 2);
  await db.updateTable('sessions').set({ expires_at: aged }).where('sid', '=', before.sid).execute();
  const page = await agent.get('/');
  t.equal(page.statusCode, 200);
  const cookie = page.cookies.find((c) => c.name === residentSessions.cookieName);
  t.ok(cookie, 'the cookie is sent again with the new expiry');
  const extended = await row();
  t.ok(extended.expires_at.getTime() > Date.now() + residentSessions.maxAgeMs - 60_000, 'expiry moved to a full lifetime from now');
  t.ok(extended.updated_at > before.updated_at, 'last activity recorded');
  t.equal((extended.data as { residentId: number }).residentId, resident.id, 'still the same resident');

  const next = await agent.get('/');
  t.notOk(next.cookies.some((c) => c.name === residentSessions.cookieName), 'and the view after it writes nothing again');
  t.same(await row(), extended);
});
