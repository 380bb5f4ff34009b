import t from 'tap';
import { Agent, testApp } from '../../fixtures/app.js';
import { accountId, createResident, demoResident, lastReading, meterOf, residentAgent } from '../../fixtures/accounts.js';

// With JavaScript on, the reading form of one account swaps only that account's
// section (`HX-Request-Type: partial`); everything else still gets whole pages.

const PARTIAL = { 'hx-request': 'true', 'hx-request-type': 'partial' };
// A boosted navigation and a history restore: htmx sends HX-Request but wants the page.
const BOOSTED = { 'hx-request': 'true', 'hx-request-type': 'full', 'hx-boosted': 'true' };
const RESTORE = { 'hx-request': 'true', 'hx-request-type': 'full', 'hx-history-restore-request': 'true' };

function ru(value: number): string {
  return String(value).replace('.', ',');
}

t.test('the account section is a fragment for htmx partial requests and a page otherwise', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, redis: false, env: { APP_TODAY: '2026-11-20' } });
  const agent = await residentAgent(app, db, config, (await demoResident(db)).id);
  const id = await accountId(db, '7700000010');

  const fragment = await agent.get(`/readings/accounts/${id}`, PARTIAL);
  t.equal(fragment.statusCode, 200);
  t.match(fragment.headers.vary, /HX-Request, HX-Request-Type/);
  t.match(fragment.body, new RegExp(`^<section class="card" id="account-${id}">`));
  t.notMatch(fragment.body, '<html');
  t.notMatch(fragment.body, 'site-header', 'no layout');
  t.notMatch(fragment.body, 'История по счётчикам', 'only the account section');
  t.match(fragment.body, `hx-post="/readings/accounts/${id}" hx-target="#account-${id}" hx-swap="outerHTML show:top"`);

  for (const [name, headers] of [['plain', {}], ['boosted', BOOSTED], ['history restore', RESTORE]] as const) {
    const page = await agent.get(`/readings/accounts/${id}`, headers);
    t.equal(page.statusCode, 200, name);
    t.match(page.body, /^<!doctype html>/, `${name}: the whole page`);
    t.match(page.body, 'История по счётчикам', name);
  }
});

t.test('a partial post answers with the section: errors with 422, success without a redirect', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, redis: false, env: { APP_TODAY: '2026-11-20' } });
  const agent = await residentAgent(app, db, config, (await demoResident(db)).id);
  const cold = await meterOf(db, '7700000010', 'cold_water');
  const id = await accountId(db, '7700000010');
  const field = `m${cold.id}t1`;
  const previous = (await lastReading(db, cold.id))!;
  await agent.get('/readings');

  const lower = await agent.post(`/readings/accounts/${id}`, { [field]: ru(previous.value_t1 - 0.5) }, PARTIAL);
  t.equal(lower.statusCode, 422);
  t.match(lower.body, new RegExp(`^<section class="card" id="account-${id}">`));
  t.notMatch(lower.body, '<html');
  t.match(lower.body, /<div class="error-summary" role="alert"[^>]* autofocus>/, 'the error summary is inside the fragment');
  t.match(lower.body, `<li><a href="#${field}">Показания не могут быть меньше предыдущих`);
  t.match(lower.body, `<p class="field__error" id="${field}-error">`, 'the message sits next to the field');
  t.match(lower.body, `value="${ru(previous.value_t1 - 0.5)}"`, 'the input is kept');

  // Without htmx the same mistake gets the whole page, as before.
  const lowerPage = await agent.post(`/readings/accounts/${id}`, { [field]: ru(previous.value_t1 - 0.5) });
  t.equal(lowerPage.statusCode, 422);
  t.match(lowerPage.body, /^<!doctype html>/);
  t.match(lowerPage.body, 'class="error-summary"');
  t.match(lowerPage.body, 'История по счётчикам');

  const jump = previous.value_t1 + 200;
  const unusual = await agent.post(`/readings/accounts/${id}`, { [field]: ru(jump) }, PARTIAL);
  t.equal(unusual.statusCode, 422);
  t.notMatch(unusual.body, '<html');
  t.match(unusual.body, '<h3>Проверьте показания</h3>');
  t.match(unusual.body, new RegExp(`<input type="checkbox" id="confirm-${cold.id}" name="confirm" value="yes" aria-describedby="${field}-error">`), 'the confirmation is beside the meter it concerns');
  t.match(unusual.body, `value="${ru(jump)}"`);
  t.equal((await lastReading(db, cold.id))!.period, '2026-10-01', 'nothing saved yet');

  const confirmed = await agent.post(`/readings/accounts/${id}`, { [field]: ru(jump), confirm: 'yes' }, PARTIAL);
  t.equal(confirmed.statusCode, 200, 'no 303: fetch would follow it to a page without this fragment');
  t.equal(confirmed.headers.location, undefined);
  t.match(confirmed.body, new RegExp(`^<section class="card" id="account-${id}">`));
  t.notMatch(confirmed.body, '<html');
  t.match(confirmed.body, /<div class="notice notice--success" role="status"[^>]*>Показания переданы\.<\/div>/);
  t.notMatch(confirmed.body, 'error-summary');
  t.match(confirmed.body, 'новые показания заменят их', 'the section shows the reading just sent');
  const saved = (await lastReading(db, cold.id))!;
  t.same([saved.period, saved.value_t1], ['2026-11-01', jump]);

  // Without htmx: post/redirect/get, as before.
  const again = await agent.post(`/readings/accounts/${id}`, { [field]: ru(jump), confirm: 'yes' });
  t.equal(again.statusCode, 303);
  t.equal(again.headers.location, `/readings?sent=${id}#account-${id}`);
});

t.test('error pages and the sign-in redirect replace the whole page, not the section', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, redis: false, env: { APP_TODAY: '2026-11-20' } });
  const id = await accountId(db, '7700000010');

  // Another resident's account is a 404: the error page, swapped in place of the body.
  const stranger = await residentAgent(app, db, config, (await createResident(db)).id);
  await stranger.get('/readings');
  const notFound = await stranger.post(`/readings/accounts/${id}`, { m1t1: '1' }, PARTIAL);
  t.equal(notFound.statusCode, 404);
  t.match(notFound.body, /^<!doctype html>/);
  t.equal(notFound.headers['hx-retarget'], 'body');
  t.equal(notFound.headers['hx-reswap'], 'innerHTML show:top');
  const plainNotFound = await stranger.post(`/readings/accounts/${id}`, { m1t1: '1' });
  t.equal(plainNotFound.statusCode, 404);
  t.equal(plainNotFound.headers['hx-retarget'], undefined);

  // Signed out: htmx is told to go to the sign-in page instead of swapping it into the section.
  const signedOut = await new Agent(app).get(`/readings/accounts/${id}`, PARTIAL);
  t.equal(signedOut.statusCode, 204);
  t.equal(signedOut.headers['hx-redirect'], `/login?next=${encodeURIComponent(`/readings/accounts/${id}`)}`);
  const plainSignedOut = await new Agent(app).get(`/readings/accounts/${id}`);
  t.equal(plainSignedOut.statusCode, 303);
  t.equal(plainSignedOut.headers.location, `/login?next=${encodeURIComponent(`/readings/accounts/${id}`)}`);
});
