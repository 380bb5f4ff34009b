import t from 'tap';
import { Agent, testApp } from '../fixtures/app.js';
import { sessionCookie } from '../fixtures/sessions.js';

// With JavaScript on, the «Журнал действий» filters and pages swap only the results
// (`HX-Request-Type: partial`); the page, a boosted navigation and a history restore get the whole page.

const PARTIAL = { 'hx-request': 'true', 'hx-request-type': 'partial' };
const BOOSTED = { 'hx-request': 'true', 'hx-request-type': 'full', 'hx-boosted': 'true' };
const RESTORE = { 'hx-request': 'true', 'hx-request-type': 'full', 'hx-history-restore-request': 'true' };

t.test('the results are a fragment for htmx partial requests and the page otherwise', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, redis: false });
  const admin = await db.selectFrom('staff').select('id').where('email', '=', 'admin@demo.local').executeTakeFirstOrThrow();
  await db
    .insertInto('audit_log')
    .values(Array.from({ length: 55 }, (_, i) => ({ staff_id: admin.id, action: 'test.partial', details: JSON.stringify({ i }), created_at: new Date(Date.UTC(2026, 10, 10, 9, 0, i)) })))
    .execute();
  const cookie = await sessionCookie(db, config, { staffId: admin.id });
  const agent = new Agent(app).setCookie(cookie.name, cookie.value);

  const page = await agent.get('/admin/audit');
  t.match(page.body, '<form class="filters" method="get" action="/admin/audit"\n  hx-get="/admin/audit" hx-target="#audit-results" hx-swap="outerHTML" hx-push-url="true">');

  const filtered = await agent.get('/admin/audit?action=test.partial', PARTIAL);
  t.equal(filtered.statusCode, 200);
  t.match(filtered.headers.vary, /HX-Request, HX-Request-Type/);
  t.match(filtered.body, /^<section id="audit-results"/);
  t.notMatch(filtered.body, '<html');
  t.notMatch(filtered.body, 'class="filters"', 'not the filter form');
  t.notMatch(filtered.body, '<h1>', 'no layout, no heading');
  t.match(filtered.body, /Найдено записей: <strong>55<\/strong>/);
  t.match(filtered.body, 'Страница 1 из 2');
  t.match(
    filtered.body,
    '<a href="/admin/audit?action=test.partial&amp;page=2" rel="next" hx-get="/admin/audit?action=test.partial&amp;page=2" hx-target="#audit-results" hx-swap="outerHTML show:top" hx-push-url="true">',
    'the next page keeps the filter and swaps the results too',
  );

  const second = await agent.get('/admin/audit?action=test.partial&page=2', PARTIAL);
  t.match(second.body, /^<section id="audit-results"/);
  t.match(second.body, 'Страница 2 из 2');
  t.equal((second.body.match(/<tr>/g) ?? []).length - 1, 5);

  // What the pushed URL gives on a reload, a boosted link and back/forward: the whole page, same results.
  for (const [name, headers] of [['reload', {}], ['boosted', BOOSTED], ['history restore', RESTORE]] as const) {
    const whole = await agent.get('/admin/audit?action=test.partial&page=2', headers);
    t.equal(whole.statusCode, 200, name);
    t.match(whole.body, /^<!doctype html>/, `${name}: the whole page`);
    t.match(whole.body, '<h1>Журнал действий</h1>', name);
    t.match(whole.body, '<option value="test.partial" selected>', `${name}: the filter is shown`);
    t.match(whole.body, 'Страница 2 из 2', name);
  }
});

t.test('an invalid filter answers with the whole page, even to a partial request', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, redis: false });
  const admin = await db.selectFrom('staff').select('id').where('email', '=', 'admin@demo.local').executeTakeFirstOrThrow();
  const cookie = await sessionCookie(db, config, { staffId: admin.id });
  const agent = new Agent(app).setCookie(cookie.name, cookie.value);

  const partial = await agent.get('/admin/audit?from=2026-11-20&to=2026-11-01', PARTIAL);
  t.equal(partial.statusCode, 422);
  t.equal(partial.headers['hx-retarget'], 'body', 'the messages belong next to the fields, outside the results');
  t.equal(partial.headers['hx-reswap'], 'innerHTML show:top');
  t.match(partial.body, /^<!doctype html>/);
  t.match(partial.body, 'class="error-summary"');
  t.match(partial.body, '<p class="field__error" id="to-error">');
  t.match(partial.body, 'value="2026-11-20"', 'the input is kept');

  const plain = await agent.get('/admin/audit?from=2026-11-20&to=2026-11-01');
  t.equal(plain.statusCode, 422);
  t.equal(plain.headers['hx-retarget'], undefined);
  t.match(plain.body, 'Дата «По» должна быть не раньше даты «С»');

  const signedOut = await new Agent(app).get('/admin/audit?page=2', PARTIAL);
  t.equal(signedOut.statusCode, 204);
  t.equal(signedOut.headers['hx-redirect'], `/admin/login?next=${encodeURIComponent('/admin/audit?page=2')}`);
});
