// npm run bench — the district benchmark: a scratch Postgres with a bench:seed district,
// N production-mode web processes and a worker behind nginx (which sets
// X-Forwarded-Proto like a TLS proxy), driven by autocannon next to a bare Fastify + eta
// page measured in the same run. Prints req/s, latencies, errors and RSS, each as a % of
// the bare page. Not part of npm test. Needs Postgres, Redis and nginx (apt-get install nginx).
//
// BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/zhku_bench, dropped and made anew),
// REDIS_URL (redis://127.0.0.1:6379), BENCH_ACCOUNTS (100000), BENCH_WEB (2 web processes),
// BENCH_SECONDS (10 per page), BENCH_CONNECTIONS (50), BENCH_REUSE=1 keeps an already seeded database.
import { Signer } from '@fastify/cookie';
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
const sessionSecret = randomBytes(32).toString('hex');
const BARE_PORT = 3900;
const APP_PORT = 3901;
const PROXY_PORT = 3980;
const BARE_PROXY_PORT = 3981;
const here = path.dirname(fileURLToPath(import.meta.url));

if (process.argv[2] === '--bare') await bareServer();
else await main();

/** The baseline: Fastify 5 rendering one small eta page, no database, production logging off. */
async function bareServer(): Promise<void> {
  const { default: Fastify } = await import('fastify');
  const { Eta } = await import('eta');
  const eta = new Eta();
  const template = '<!doctype html><html lang="ru"><head><title><%= it.title %></title></head><body><h1><%= it.title %></h1><p><%= it.text %></p></body></html>';
  const app = Fastify({ logger: false });
  app.get('/', async (_request, reply) => reply.type('text/html').send(eta.renderString(template, { title: 'Личный кабинет ЖКУ', text: 'Голая страница для сравнения.' })));
  await app.listen({ port: BARE_PORT, host: '127.0.0.1' });
}

function child(script: string, args: string[], extraEnv: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [...process.execArgv, path.join(here, script), ...args], {
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

/** Signed-in sessions written straight into the store, as the app would after sign-in. */
async function sessionCookies(): Promise<{ residents: string[]; moderator: string }> {
  const db = createDb({ databaseUrl });
  const signer = new Signer(sessionSecret, 'sha256');
  try {
    const rows = await db
      .selectFrom('account_links')
      .select('resident_id')
      .where('status', '=', 'approved')
      .orderBy('id', 'desc')
      .limit(1000)
      .execute();
    const residents: string[] = [];
    for (const { resident_id: residentId } of rows) {
      const sid = randomBytes(24).toString('base64url');
      await db
        .insertInto('sessions')
        .values({ sid, area: 'resident', data: JSON.stringify({ residentId }), resident_id: residentId, expires_at: new Date(Date.now() + residentSessions.maxAgeMs) })
        .execute();
      residents.push(`${residentSessions.cookieName}=${signer.sign(sid)}`);
    }
    const moderator = await db.selectFrom('staff').select('id').where('email', '=', 'moderator@demo.local').executeTakeFirstOrThrow();
    const sid = randomBytes(24).toString('base64url');
    await db
      .insertInto('sessions')
      .values({ sid, area: 'staff', data: JSON.stringify({ staffId: moderator.id }), staff_id: moderator.id, expires_at: new Date(Date.now() + staffSessions.maxAgeMs) })
      .execute();
    return { residents, moderator: `${staffSessions.cookieName}=${signer.sign(sid)}` };
  } finally {
    await db.destroy();
  }
}

type Row = { name: string; rps: number; p50: number; p99: number; errors: number; rssMb: number };

async function measure(name: string, url: string, cookies: string[], webPids: (number | undefined)[]): Promise<Row> {
  let next = 0;
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    requests: [
      {
        setupRequest: (request) => {
          if (cookies.length > 0) request.headers = { ...request.headers, cookie: cookies[next++ % cookies.length]! };
          return request;
        },
      },
    ],
  });
  return {
    name,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
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
    TRUST_PROXY: '1',
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
    const web = Array.from({ length: webProcesses }, (_, i) => child('../server.ts', [], { ...appEnv, PORT: String(APP_PORT + i) }));
    processes.push(...web, child('worker.ts', [], appEnv));
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
    // A short warm-up: plans prepared, templates compiled, connections opened.
    await autocannon({ url: `${app}/`, connections: 10, duration: 2, headers: { cookie: cookies.residents[0]! } });
    rows.push(await measure('(a) bare Fastify + eta page', `http://127.0.0.1:${BARE_PROXY_PORT}/`, [], [processes[0]!.pid]));
    rows.push(await measure('anonymous home', `${app}/`, [], webPids));
    rows.push(await measure(`(b) signed-in home, ${cookies.residents.length} residents`, `${app}/`, cookies.residents, webPids));
    rows.push(await measure('(c) «Показания»', `${app}/readings`, cookies.residents, webPids));
    rows.push(await measure('(d) bills', `${app}/bills`, cookies.residents, webPids));
    rows.push(await measure('(e) moderator queue', `${app}/admin/link-requests`, [cookies.moderator], webPids));
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
