import t from 'tap';
import { listeningApp } from '../fixtures/esia.js';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Db } from '../../src/db/index.js';
import { Agent } from '../fixtures/app.js';
import { sessionCookie } from '../fixtures/sessions.js';
import type { Config } from '../../src/config.js';
import { CONTROL_CHARACTERS_FIELD_MESSAGE, fieldsWithControlCharacters } from '../../src/security/input.js';

/**
 * Every form and query-string filter a signed-in resident, a moderator, an
 * administrator or an anonymous visitor can reach by following links is sent
 * hostile input: control characters, odd Unicode, huge strings, negative and
 * enormous numbers, malformed dates. No answer may be a 500, and a refused
 * request may leave no row behind. FUZZ_RUNS=5000 runs thousands per form.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 10);
const MAX_PAGES = 80;

type Who = { residentId: number } | { staffId: number } | null;
type Form = { who: string; page: string; method: 'GET' | 'POST'; action: string; fields: string[]; defaults: Record<string, string>; ownStaffId?: number };

// Plausible values, so that one hostile field at a time gets past the others' validation.
const PLAUSIBLE: Record<string, string> = {
  email: 'new.person@example.ru', phone: '+79161234567', password: 'Надёжный-пароль-2026', password_repeat: 'Надёжный-пароль-2026',
  current_password: 'demo-password', terms: 'yes', consent: 'yes', payerCode: '7700000099', flat: '12', providerId: '1',
  area: '54,3', residentsCount: '3', rights: 'view', roles: 'moderator', full_name: 'Иван Петров', reason: 'Скан нечитаемый или обрезан',
  comment: 'Плохо видно', from: '2026-11-01', to: '2026-11-20', q: '77', action: 'staff.invited', code: '123456', token: 'x',
};

// Writes a refused request may legitimately leave: its session, rate-limit counters, the audit of a refusal.
const BOOKKEEPING = new Set(['sessions', 'rate_limits', 'sign_in_failures', 'audit_log', 'outbox', 'sent_messages', 'tokens', 'one_time_codes', 'trusted_devices']);

const CONTROL = fc.constantFrom('\u0000', '\u0001', '\u0007', '\u001b', '\u007f', '\u0085', '\u009f', '\r\n', '\t', '\uD800', '\uDFFF', '\u2028', '\uFEFF', '\u202E');
const DATES = fc.constantFrom('0000-01-01', '0001-01-01', '9999-12-31', '2026-02-30', '2026-13-01', '31.12.0000', '00.00.0000', '1899-12-31', '+275760-09-13', '2026-11-31T25:00', '');
const NUMBERS = fc.oneof(
  fc.integer().map(String),
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String),
  fc.double().map(String),
  fc.constantFrom('-1', '0', '2147483648', '9223372036854775808', '1e308', 'NaN', 'Infinity', '0x10', '1,5', '１２３'),
);
const HOSTILE = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.tuple(fc.string({ maxLength: 10 }), CONTROL, fc.string({ maxLength: 10 })).map((parts) => parts.join('')),
  fc.constantFrom('a'.repeat(70_000), 'я'.repeat(20_000), '%00', "'; drop table residents; --", '<script>x</script>', 'resident@demo.local', '+79161234567'),
  NUMBERS,
  DATES,
);

function formsIn(html: string, who: string, page: string): Form[] {
  const forms: Form[] = [];
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const attributes = match[1]!;
    const action = /action="([^"]*)"/.exec(attributes)?.[1]?.replace(/&amp;/g, '&');
    if (!action || !action.startsWith('/')) continue;
    const method = /method="post"/i.test(attributes) ? 'POST' : 'GET';
    const inputs = [...match[2]!.matchAll(/<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"[^>]*>/g)].filter((m) => m[1] !== '_csrf');
    const defaults: Record<string, string> = {};
    for (const input of inputs) defaults[input[1]!] ??= /\bvalue="([^"]*)"/.exec(input[0])?.[1] ?? PLAUSIBLE[input[1]!] ?? '1';
    forms.push({ who, page, method, action: action.split('?')[0]!, fields: Object.keys(defaults), defaults });
  }
  return forms;
}

function linksIn(html: string, prefix: string): string[] {
  return [...html.matchAll(/href="(\/[^"#]*)"/g)]
    .map((m) => m[1]!.replace(/&amp;/g, '&'))
    .filter((href) => href.startsWith(prefix) && !/logout|\/vendor\/|\/public\/|\/files\/|export\.csv/.test(href));
}

async function agentFor(app: FastifyInstance, db: Db, config: Config, who: Who, csrf: { cookie: string; token: string }): Promise<Agent> {
  const agent = new Agent(app).setCookie('_csrf', csrf.cookie);
  agent.csrfToken = csrf.token;
  if (who) {
    const cookie = await sessionCookie(db, config, who);
    agent.setCookie(cookie.name, cookie.value);
  }
  return agent;
}

async function rowCounts(db: Db, tables: string[]): Promise<string> {
  const counts = sql.join(tables.map((table) => sql`(select count(*) from ${sql.table(table)})`), sql`, `);
  const row = await sql<{ counts: string }>`select concat_ws(',', ${counts}) as counts`.execute(db);
  return row.rows[0]!.counts;
}

// A form is sent as UTF-8, which has no lone surrogates: they arrive as U+FFFD.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
function asSent(values: Record<string, unknown>): Record<string, unknown> {
  const sent = (v: unknown) => (typeof v === 'string' ? v.replace(LONE_SURROGATE, '\ufffd') : v);
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [sent(k) as string, Array.isArray(v) ? v.map(sent) : sent(v)]));
}

/**
 * Input the gate refuses comes back as the form's own page (422): the message in the
 * error summary, and next to each offending field the page has.
 */
function fieldMessageMissing(status: number, body: string, fields: string[]): string[] {
  // Refused before the gate (CSRF 403, a guard's redirect): those answers are checked above.
  if (status !== 422) return [];
  if (!body.includes('служебные символы') && !body.includes(CONTROL_CHARACTERS_FIELD_MESSAGE)) return [`control characters in ${fields.join(', ')}: the 422 does not say why`];
  // The plain 422 page: the gate found no form page to answer with.
  if (!body.includes(`${CONTROL_CHARACTERS_FIELD_MESSAGE}</a>`)) return [];
  const problems: string[] = [];
  for (const name of fields) {
    if (!/^[\w-]+$/.test(name)) continue; // a hostile field name is not on the page
    if (!body.includes(`<a href="#${name}">${CONTROL_CHARACTERS_FIELD_MESSAGE}</a>`)) problems.push(`no error summary entry for ${name}`);
    const control = new RegExp(`<(?:input|select|textarea)\\b[^>]*\\bname="${name}"[^>]*\\bid="([^"]+)"|<(?:input|select|textarea)\\b[^>]*\\bid="([^"]+)"[^>]*\\bname="${name}"|<fieldset\\b[^>]*\\bid="(${name})"`).exec(body);
    const id = control?.[1] ?? control?.[2] ?? control?.[3];
    if (id && !body.includes(`id="${id}-error"><span class="visually-hidden">Ошибка:</span> ${CONTROL_CHARACTERS_FIELD_MESSAGE}</p>`)) problems.push(`no message next to ${name}`);
  }
  return problems;
}

t.test('no form or filter answers hostile input with a 500 or leaves a half-written row', async (t) => {
  // Listening, so that the Госуслуги buttons reach the sandbox ЕСИА as they would a real one.
  const { app, db, config } = await listeningApp(t.teardown, { seed: true, redis: false, env: { APP_TODAY: '2026-11-20' } });
  const resident = await db.selectFrom('residents').select('id').where('email', '=', 'resident@demo.local').executeTakeFirstOrThrow();
  const staff = await db.selectFrom('staff').select(['id', 'email']).where('email', 'in', ['admin@demo.local', 'moderator@demo.local']).execute();
  const first = await app.inject('/login');
  const csrf = {
    cookie: first.cookies.find((c) => c.name === '_csrf')!.value,
    token: /name="_csrf" value="([^"]+)"/.exec(first.body)![1]!,
  };

  const visitors: { name: string; who: Who; start: string[]; prefix: string }[] = [
    { name: 'anonymous', who: null, start: ['/register', '/login', '/password-reset', '/admin/login'], prefix: '/' },
    { name: 'resident', who: { residentId: resident.id }, start: ['/'], prefix: '/' },
    ...staff.map((s) => ({ name: s.email, who: { staffId: s.id }, start: ['/admin'], prefix: '/admin' })),
  ];
  const forms: Form[] = [];
  for (const visitor of visitors) {
    const agent = await agentFor(app, db, config, visitor.who, csrf);
    const seen = new Set<string>();
    const queue = [...visitor.start];
    while (queue.length > 0 && seen.size < MAX_PAGES) {
      const url = queue.shift()!;
      if (seen.has(url)) continue;
      seen.add(url);
      const page = await agent.get(url);
      t.ok(page.statusCode < 500, `${visitor.name} GET ${url}: ${page.statusCode}`);
      if (!String(page.headers['content-type']).startsWith('text/html')) continue;
      forms.push(...formsIn(page.body, visitor.name, url).map((form) => ({ ...form, ownStaffId: visitor.who && 'staffId' in visitor.who ? visitor.who.staffId : undefined })));
      queue.push(...linksIn(page.body, visitor.prefix).filter((href) => !seen.has(href)));
    }
  }
  // One of each form per visitor. Signing out, deactivating staff and changing one's own roles would lock visitors out of the rest.
  const unique = [...new Map(forms.map((form) => [`${form.who} ${form.method} ${form.action}`, form])).values()].filter(
    (form) => !/\/logout$|\/deactivation$/.test(form.action) && !(form.ownStaffId && form.action.startsWith(`/admin/staff/${form.ownStaffId}/`)),
  );
  t.ok(unique.length >= 20, `${unique.length} forms found`);

  const tables = (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' and table_name not like 'kysely%'`.execute(db)).rows
    .map((row) => row.name)
    .filter((name) => !BOOKKEEPING.has(name));

  for (const form of unique) {
    const visitor = visitors.find((v) => v.name === form.who)!;
    const fields = form.fields.length > 0 ? form.fields : ['q'];
    const failures: string[] = [];
    await fc.assert(
      fc.asyncProperty(fc.record(
        Object.fromEntries(
          fields.map((name) => [
            name,
            fc.oneof(
              { arbitrary: fc.constant(form.defaults[name] ?? PLAUSIBLE[name] ?? '1'), weight: 2 },
              { arbitrary: HOSTILE, weight: 2 },
              { arbitrary: fc.array(HOSTILE, { maxLength: 3 }), weight: 1 },
            ),
          ]),
        ),
      ), async (values) => {
        const agent = await agentFor(app, db, config, visitor.who, csrf);
        const before = await rowCounts(db, tables);
        // A browser names the page the form was on (Referer, same origin): the gate answers with that page.
        const response = form.method === 'POST' ? await agent.post(form.action, values as Record<string, string | string[]>, { referer: `http://localhost${form.page}` }) : await agent.get(`${form.action}?${new URLSearchParams(Object.entries(values).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((one) => [k, one] as [string, string])))}`);
        if (response.statusCode >= 500) failures.push(`${response.statusCode} for ${JSON.stringify(values).slice(0, 300)}`);
        if (response.statusCode >= 400 && (await rowCounts(db, tables)) !== before) failures.push(`rows changed by a refused request (${response.statusCode})`);
        const refused = fieldsWithControlCharacters(asSent(values));
        if (refused.length > 0) failures.push(...fieldMessageMissing(response.statusCode, response.body, refused).map((problem) => `${problem} for ${JSON.stringify(values).slice(0, 300)}`));
        return failures.length === 0;
      }),
      { numRuns: RUNS, endOnFailure: true },
    ).catch(() => undefined);
    t.same(failures, [], `${form.who}: ${form.method} ${form.action} (${fields.join(', ')})`);
  }
});
