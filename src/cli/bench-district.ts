// npm run bench — the district benchmark: a scratch Postgres with a bench:seed district,
// N production-mode web processes (compiled first, as production runs them) and a worker behind nginx (which sets
// X-Forwarded-Proto like a TLS proxy), driven by autocannon next to a bare Fastify + eta
// page measured in the same run. Prints req/s, latencies, errors and RSS, each as a % of
// the bare page. Not part of npm test. Needs Postgres, Redis and nginx (apt-get install nginx).
//
// BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/zhku_bench, dropped and made anew),
// REDIS_URL (redis://127.0.0.1:6379), BENCH_ACCOUNTS (100000), BENCH_WEB (2 web processes),
// BENCH_SECONDS (10 per page), BENCH_CONNECTIONS (50), BENCH_REUSE=1 keeps an already seeded database,
// BENCH_ONLY=b,c (only those pages), BENCH_PROFILE=<folder> writes a V8 CPU profile of each web process there (open it in Chrome's DevTools).
import { Signer } from '@fastify/cookie';
import CsrfTokens from '@fastify/csrf';
import autocannon from 'autocannon';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg, cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createDb } from '../db/index.js';
import { migrateToLatest } from '../db/migrator.js';
import { seedDemoData } from '../db/seed/index.js';
import { meterPanelsFor } from '../features/readings/service.js';
import { moscowDate } from '../lib/calendar.js';
import { residentSessions, staffSessions } from '../plugins/session.js';
import { nginxMissing, startNginx, type RunningProxy } from './nginx-proxy.js';

const env = process.env;
const databaseUrl = env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/zhku_bench';
const redisUrl = env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const accounts = Number(env.BENCH_ACCOUNTS ?? 100_000);
const webProcesses = Number(env.BENCH_WEB ?? 2);
const seconds = Number(env.BENCH_SECONDS ?? 10);
const connections = Number(env.BENCH_CONNECTIONS ?? 50);
/** BENCH_ONLY=b,c measures only those pages (keys: one-read, anonymous, b, b-compressed, c, d, e, f) beside the bare page. */
const only = env.BENCH_ONLY ? new Set(env.BENCH_ONLY.split(',')) : undefined;
const wanted = (key: string) => only === undefined || only.has(key);
const sessionSecret = randomBytes(32).toString('hex');
/** What browsers send; the app compresses with brotli or gzip. */
const BROWSER_ENCODINGS = 'gzip, deflate, br';
const BARE_PORT = 3900;
const APP_PORT = 3901;
const PROXY_PORT = 3980;
const BARE_PROXY_PORT = 3981;
const here = path.dirname(fileURLToPath(import.meta.url));
const projectRoot = path.resolve(here, '../..');

// As `npm run start:compiled` runs the app: Node 22 and later size the young generation
// from the machine's memory, which took a web process from about 210 to 350–400 MB under
// this load on Node 24 for no gain in speed; 16 MB is what Node 20 uses.
const PRODUCTION_NODE_FLAGS = ['--max-semi-space-size=16'];

if (process.argv[2] === '--bare') await bareServer();
else await main();

/**
 * The baseline: Fastify 5 rendering one small eta page, no database, production logging off.
 * The same page after one read from Postgres (a prepared `select`, as the app's reads are)
 * is measured beside it: the ceiling for any page that reads its session from the database.
 */
async function bareServer(): Promise<void> {
  const { default: Fastify } = await import('fastify');
  const { Eta } = await import('eta');
  const eta = new Eta();
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  const template = '<!doctype html><html lang="ru"><head><title><%= it.title %></title></head><body><h1><%= it.title %></h1><p><%= it.text %></p></body></html>';
  const page = (text: string) => eta.renderString(template, { title: 'Личный кабинет ЖКУ', text });
  const app = Fastify({ logger: false });
  app.get('/', async (_request, reply) => reply.type('text/html').send(page('Голая страница для сравнения.')));
  app.get('/one-read', async (_request, reply) => {
    const { rows } = await pool.query<{ n: number }>({ name: 'one-read', text: 'select $1::int as n', values: [1] });
    return reply.type('text/html').send(page(`Голая страница и одно чтение из Postgres: ${rows[0]!.n}.`));
  });
  await app.listen({ port: BARE_PORT, host: '127.0.0.1' });
}

function child(script: string, args: string[], extraEnv: Record<string, string>, nodeFlags: string[] = []): ChildProcess {
  return spawn(process.execPath, [...process.execArgv, ...nodeFlags, path.join(here, script), ...args], {
    env: { ...env, ...extraEnv },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}


/** The app as production runs it: compiled JavaScript (`npm run build`), no TypeScript loader. */
function compiled(script: string, extraEnv: Record<string, string>, nodeFlags: string[] = []): ChildProcess {
  return spawn(process.execPath, [...PRODUCTION_NODE_FLAGS, ...nodeFlags, path.join(projectRoot, '.build/src', script)], {
    env: { ...env, ...extraEnv },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer in a minute`);
}

function rssMb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : 0;
}

async function prepareDatabase(): Promise<void> {
  const url = new URL(databaseUrl);
  const name = url.pathname.slice(1);
  const admin = new pg.Client({ connectionString: Object.assign(new URL(databaseUrl), { pathname: '/postgres' }).toString() });
  await admin.connect();
  const exists = (await admin.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
  if (exists && env.BENCH_REUSE === '1') {
    await admin.end();
    console.log(`reusing ${name}`);
    return;
  }
  await admin.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
  await admin.query(`create database ${pg.escapeIdentifier(name)}`);
  await admin.end();
  const db = createDb({ databaseUrl });
  try {
    await migrateToLatest(db);
    await seedDemoData(db, moscowDate(new Date()));
  } finally {
    await db.destroy();
  }
  const seeded = spawnSync(process.execPath, [...process.execArgv, path.join(here, 'bench-seed.ts'), String(accounts)], {
    env: { ...env, DATABASE_URL: databaseUrl, NODE_ENV: 'development' },
    stdio: 'inherit',
  });
  if (seeded.status !== 0) throw new Error('bench:seed failed');
}

type SignedInResident = { cookie: string; csrfToken: string; accountId: number };

/**
 * Signed-in sessions written straight into the store, as the app would after sign-in,
 * each with the CSRF cookie and token a page would have given its browser.
 */
async function sessionCookies(): Promise<{ residents: SignedInResident[]; moderators: string[] }> {
  const db = createDb({ databaseUrl });
  const signer = new Signer(sessionSecret, 'sha256');
  const csrf = CsrfTokens();
  try {
    const rows = await db
      .selectFrom('account_links')
      .select(['resident_id', 'payer_account_id'])
      .where('status', '=', 'approved')
      .orderBy('id', 'desc')
      .limit(1000)
      .execute();
    const residents: SignedInResident[] = [];
    for (const { resident_id: residentId, payer_account_id: accountId } of rows) {
      const sid = randomBytes(24).toString('base64url');
      await db
        .insertInto('sessions')
        .values({ sid, area: 'resident', data: JSON.stringify({ residentId }), resident_id: residentId, expires_at: new Date(Date.now() + residentSessions.maxAgeMs) })
        .execute();
      const csrfSecret = csrf.secretSync();
      residents.push({
        cookie: `${residentSessions.cookieName}=${signer.sign(sid)}; _csrf=${signer.sign(csrfSecret)}`,
        csrfToken: csrf.create(csrfSecret),
        accountId: accountId!,
      });
    }
    // Several sessions of the one moderator, as several moderators at work: one alone would
    // meet the per-session page limit (600 a minute in production) within seconds.
    const moderator = await db.selectFrom('staff').select('id').where('email', '=', 'moderator@demo.local').executeTakeFirstOrThrow();
    const moderators: string[] = [];
    for (let i = 0; i < 50; i++) {
      const sid = randomBytes(24).toString('base64url');
      await db
        .insertInto('sessions')
        .values({ sid, area: 'staff', data: JSON.stringify({ staffId: moderator.id }), staff_id: moderator.id, expires_at: new Date(Date.now() + staffSessions.maxAgeMs) })
        .execute();
      moderators.push(`${staffSessions.cookieName}=${signer.sign(sid)}`);
    }
    return { residents, moderators };
  } finally {
    await db.destroy();
  }
}

type Submission = { path: string; cookie: string; body: string };

/**
 * One reading form per resident whose account has a meter in its submission window
 * today: each value a little above the last one, as a resident would send through htmx
 * (the answer is the account's section, 200). Sent again, a reading replaces the one of
 * the open period. Empty when no window is open today (water 15th–3rd, electricity 15th–26th).
 */
async function readingSubmissions(residents: SignedInResident[]): Promise<Submission[]> {
  const db = createDb({ databaseUrl });
  try {
    const panels = await meterPanelsFor(db, residents.map((r) => r.accountId), moscowDate(new Date()));
    const submissions: Submission[] = [];
    for (const resident of residents) {
      const form = new URLSearchParams({ _csrf: resident.csrfToken });
      for (const meter of panels.get(resident.accountId) ?? []) {
        if (!meter.window.open || meter.overdue) continue;
        for (const zone of meter.zones) form.set(zone.field, (zone.previous + 1).toFixed(3));
      }
      if ([...form.keys()].length > 1) submissions.push({ path: `/readings/accounts/${resident.accountId}`, cookie: resident.cookie, body: form.toString() });
    }
    return submissions;
  } finally {
    await db.destroy();
  }
}

/** One of 65 536 addresses, in turn. */
function clientAddress(n: number): string {
  return `10.77.${(n >> 8) & 255}.${n & 255}`;
}

type Row = { name: string; rps: number; p50: number; p99: number; errors: number; rssMb: number };

type Shape = { cookies?: string[]; compressed?: boolean; submissions?: Submission[]; duration?: number };

/**
 * A page measured after a short warm-up in the same shape: each web connection has prepared
 * and planned the page's statements (six plans per connection, tens of milliseconds each for
 * the larger reads) and its templates are compiled, so the figure is the page's steady state.
 */
async function warmedUp(name: string, url: string, shape: Shape, webPids: (number | undefined)[]): Promise<Row> {
  await measure(`${name} (warm-up)`, url, { ...shape, duration: 2 }, webPids);
  return measure(name, url, shape, webPids);
}

async function measure(name: string, url: string, shape: Shape, webPids: (number | undefined)[]): Promise<Row> {
  let next = 0;
  let sent = 0;
  const { cookies = [], compressed = false, submissions = [], duration = seconds } = shape;
  const result = await autocannon({
    url,
    connections,
    duration,
    requests: [
      {
        setupRequest: (request) => {
          const headers = { ...request.headers } as Record<string, string>;
          headers['x-forwarded-for'] = clientAddress(sent++);
          if (compressed) headers['accept-encoding'] = BROWSER_ENCODINGS;
          if (submissions.length > 0) {
            const submission = submissions[next++ % submissions.length]!;
            Object.assign(headers, { cookie: submission.cookie, 'content-type': 'application/x-www-form-urlencoded', 'hx-request': 'true', 'hx-request-type': 'partial' });
            return { ...request, method: 'POST', path: submission.path, headers, body: submission.body };
          }
          if (cookies.length > 0) headers.cookie = cookies[next++ % cookies.length]!;
          return { ...request, headers };
        },
      },
    ],
  });
  const errors = result.errors + result.timeouts + result.non2xx;
  if (errors > 0) console.log(`${name}: ${errors} errors; answers by status: ${JSON.stringify(result.statusCodeStats)}, connection errors ${result.errors}, timeouts ${result.timeouts}`);
  return {
    name,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors,
    rssMb: Math.max(...webPids.map(rssMb)),
  };
}

async function main(): Promise<void> {
  const noNginx = nginxMissing();
  if (noNginx) {
    console.error(`npm run bench needs nginx in front of the web processes: ${noNginx}`);
    process.exit(1);
  }
  const started = Date.now();
  const build = spawnSync('npx', ['tsc', '-p', projectRoot], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('tsc failed: the web processes run the compiled app');
  await prepareDatabase();
  const cookies = await sessionCookies();
  const prefix = `bench-${Date.now().toString(36)}`;
  const appEnv = {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    SESSION_SECRET: sessionSecret,
    PUBLIC_URL: `https://localhost:${PROXY_PORT}`,
    // The clients stand for a city's residents behind a CDN: each request names its own
    // address in X-Forwarded-For, believed through two hops (the CDN's and nginx's). With
    // one hop every anonymous request would come from 127.0.0.1 and meet the per-address limit.
    TRUST_PROXY: '2',
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'error',
  };
  const processes: ChildProcess[] = [];
  let proxy: RunningProxy | undefined;
  const stop = () => {
    for (const p of processes) p.kill('SIGTERM');
  };
  process.on('exit', stop);
  try {
    processes.push(child('bench-district.ts', ['--bare'], {}));
    const profiling = env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(env.BENCH_PROFILE)}`] : [];
    const web = Array.from({ length: webProcesses }, (_, i) => compiled('server.js', { ...appEnv, PORT: String(APP_PORT + i) }, profiling));
    processes.push(...web, compiled('cli/worker.js', appEnv));
    const appPorts = Array.from({ length: webProcesses }, (_, i) => APP_PORT + i);
    proxy = await startNginx(
      [
        { port: PROXY_PORT, upstreams: appPorts },
        { port: BARE_PROXY_PORT, upstreams: [BARE_PORT] },
      ],
      { forwardedProto: 'https' },
    );
    await waitFor(`http://127.0.0.1:${BARE_PORT}/`);
    for (let i = 0; i < webProcesses; i++) await waitFor(`http://127.0.0.1:${APP_PORT + i}/healthz`);
    await waitFor(`http://127.0.0.1:${PROXY_PORT}/healthz`);
    const webPids = web.map((p) => p.pid);
    const app = `http://127.0.0.1:${PROXY_PORT}`;
    const rows: Row[] = [];
    const residents = cookies.residents.map((r) => r.cookie);
    rows.push(await measure('(a) bare Fastify + eta page', `http://127.0.0.1:${BARE_PROXY_PORT}/`, {}, [processes[0]!.pid]));
    if (wanted('one-read')) {
      rows.push(await measure('the bare page after one Postgres read', `http://127.0.0.1:${BARE_PROXY_PORT}/one-read`, {}, [processes[0]!.pid]));
    }
    const pages: { key: string; name: string; url: string; shape: Shape }[] = [
      { key: 'anonymous', name: 'anonymous home', url: `${app}/`, shape: {} },
      { key: 'b', name: `(b) signed-in home, ${residents.length} residents`, url: `${app}/`, shape: { cookies: residents } },
      { key: 'b-compressed', name: `(b) signed-in home, compressed (Accept-Encoding: ${BROWSER_ENCODINGS})`, url: `${app}/`, shape: { cookies: residents, compressed: true } },
      { key: 'c', name: '(c) «Показания»', url: `${app}/readings`, shape: { cookies: residents } },
      { key: 'd', name: '(d) bills', url: `${app}/bills`, shape: { cookies: residents } },
      { key: 'e', name: `(e) moderator queue, ${cookies.moderators.length} sessions`, url: `${app}/admin/link-requests`, shape: { cookies: cookies.moderators } },
    ];
    for (const page of pages) {
      if (wanted(page.key)) rows.push(await warmedUp(page.name, page.url, page.shape, webPids));
    }
    if (wanted('f')) {
      const submissions = await readingSubmissions(cookies.residents);
      if (submissions.length > 0) {
        rows.push(await warmedUp(`(f) reading submissions, ${submissions.length} residents`, app, { submissions }, webPids));
      } else {
        console.log('(f) reading submissions: no submission window is open today (water 15th–3rd, electricity 15th–26th), not measured');
      }
    }
    const bare = rows[0]!.rps;
    const load = loadavg().map((l) => l.toFixed(1)).join(' ');
    console.log(`\n${accounts} accounts, ${webProcesses} web processes + 1 worker behind nginx, ${connections} connections, ${seconds} s each;`);
    console.log(`${cpus().length} cores, load average ${load} at the end, Node ${process.version}; total ${Math.round((Date.now() - started) / 1000)} s\n`);
    console.log('| page | req/s | % of bare | p50 ms | p99 ms | errors | max RSS of a web process, MB |');
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const r of rows) {
      console.log(`| ${r.name} | ${Math.round(r.rps)} | ${((100 * r.rps) / bare).toFixed(1)} % | ${r.p50} | ${r.p99} | ${r.errors} | ${r.rssMb} |`);
    }
  } finally {
    await proxy?.stop();
    stop();
  }
}
