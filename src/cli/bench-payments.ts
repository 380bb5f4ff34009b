// npm run bench:payments -- [payments]   (default 200)
// That many card payments at once, end to end over HTTP against the app on a real
// port: the form's summary and «Оплатить» (our payment and the sandbox acquirer's),
// the card page's decision, the signed notification through the outbox, BullMQ on
// Redis and our webhook, and the allocation. Prints payments per second, the p99 from
// «Оплатить» to the allocated success, and checks that the allocations add up to the
// payments to the kopeck. Needs Postgres and Redis (DATABASE_URL and REDIS_URL, local
// ones by default); works in a scratch database it creates and drops.
import { Signer } from '@fastify/cookie';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import { createDb } from '../db/index.js';
import { migrateToLatest } from '../db/migrator.js';
import { seedDemoData } from '../db/seed/index.js';
import { moscowDate } from '../lib/calendar.js';
import { residentSessions } from '../plugins/session.js';

const count = Number(process.argv[2] ?? 200);
const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const scratch = `zhku_bench_payments_${process.pid}`;
const scratchUrl = (() => {
  const url = new URL(serverUrl);
  url.pathname = `/${scratch}`;
  return url.toString();
})();
const port = 20000 + (process.pid % 20000);
const base = `http://127.0.0.1:${port}`;

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A browser's cookie jar and CSRF token over fetch. */
class Browser {
  private cookies = new Map<string, string>();
  private csrf = '';
  constructor(cookie: [string, string]) {
    this.cookies.set(...cookie);
  }
  async request(method: 'GET' | 'POST', url: string, form?: Record<string, string>): Promise<Response> {
    const body = form ? new URLSearchParams({ _csrf: this.csrf, ...form }).toString() : undefined;
    const response = await fetch(url.startsWith('http') ? url : `${base}${url}`, {
      method,
      redirect: 'manual',
      headers: { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body,
    });
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const at = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    return response;
  }
  async page(url: string): Promise<string> {
    const text = await (await this.request('GET', url)).text();
    this.csrf = /name="_csrf" value="([^"]+)"/.exec(text)?.[1] ?? this.csrf;
    return text;
  }
}

await admin(`create database ${scratch}`);
const db = createDb({ databaseUrl: scratchUrl });
const dataDir = mkdtempSync(path.join(tmpdir(), 'zhku-bench-'));
let app: Awaited<ReturnType<typeof buildApp>> | undefined;
try {
  await migrateToLatest(db);
  await seedDemoData(db, moscowDate(new Date()));
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'development',
    DATABASE_URL: scratchUrl,
    REDIS_URL: redisUrl,
    WORKERS: 'inline',
    PUBLIC_URL: base,
    DATA_DIR: dataDir,
    SESSION_SECRET: randomBytes(32).toString('hex'),
    QUEUE_PREFIX: `bench-payments-${process.pid}`,
    RELAY_INTERVAL_MS: '50',
    LOG_LEVEL: 'warn',
  });
  app = await buildApp({ config, db });
  await app.listen({ port, host: '127.0.0.1' });

  // Payers: one confirmed resident per payment, each a «Просмотр и оплата» co-owner of a demo account.
  const accounts = await db.selectFrom('account_links').select(['payer_account_id', 'resident_id']).where('status', '=', 'approved').execute();
  const signer = new Signer(config.sessionSecret, 'sha256');
  const browsers: { browser: Browser; accountId: number }[] = [];
  for (let i = 0; i < count; i += 1) {
    const owner = accounts[i % accounts.length]!;
    const resident = await db
      .insertInto('residents')
      .values({ email: `bench-payer-${i}@example.ru`, phone: `+7917${String(i).padStart(7, '0')}`, password_hash: 'not-a-login', identity_status: 'confirmed' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('co_owner_grants')
      .values({ payer_account_id: owner.payer_account_id!, invited_by: owner.resident_id, invited_email: `bench-payer-${i}@example.ru`, rights: 'view_pay', invited_at: new Date(), accepted_by: resident.id, accepted_at: new Date() })
      .execute();
    const sid = randomBytes(24).toString('base64url');
    await db
      .insertInto('sessions')
      .values({ sid, area: 'resident', data: JSON.stringify({ residentId: resident.id }), resident_id: resident.id, staff_id: null, expires_at: new Date(Date.now() + 3600_000) })
      .execute();
    browsers.push({ browser: new Browser([residentSessions.cookieName, signer.sign(sid)]), accountId: owner.payer_account_id! });
  }
  await sql`analyze`.execute(db);

  async function pay({ browser, accountId }: { browser: Browser; accountId: number }, i: number): Promise<number> {
    await browser.page(`/payments?account=${accountId}`);
    const amount = `${100 + (i % 50)},${String(i % 100).padStart(2, '0')}`;
    const summary = await (await browser.request('POST', '/payments/summary', { account: String(accountId), mode: 'all', amount, method: 'card', advance: 'yes' })).text();
    const fields = Object.fromEntries([...summary.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!]));
    const started = performance.now();
    // A resident told «try again in a minute» (503: the acquirer did not answer in time) presses
    // «Оплатить» again; the summary's key makes it the same payment.
    let handOver = await browser.request('POST', '/payments', fields);
    for (let retry = 0; handOver.status === 503 && retry < 5; retry += 1) {
      retries += 1;
      handOver = await browser.request('POST', '/payments', fields);
    }
    const page = handOver.headers.get('location');
    if (handOver.status !== 303 || !page) throw new Error(`«Оплатить» answered ${handOver.status}`);
    await browser.page(page);
    const back = await browser.request('POST', `${page}/card`, { number: '4111 1111 1111 1111', expiry: '12/30', cvc: '123' });
    const returnTo = back.headers.get('location')!;
    const paymentId = Number(/\/payments\/(\d+)$/.exec(returnTo)![1]);
    // Done when the notification has been through the queue and the webhook allocated it.
    for (;;) {
      const row = await db.selectFrom('online_payments').select('status').where('id', '=', paymentId).executeTakeFirstOrThrow();
      if (row.status === 'succeeded') return performance.now() - started;
      if (row.status !== 'pending') throw new Error(`payment ${paymentId} ended ${row.status}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  let retries = 0;
  const t0 = performance.now();
  const latencies = await Promise.all(browsers.map((b, i) => pay(b, i)));
  const elapsed = performance.now() - t0;
  latencies.sort((a, b) => a - b);
  const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)]!;
  const totals = await sql<{ payments: string; allocations: string; billing: string; succeeded: string }>`
    select (select coalesce(sum(amount_kopecks), 0) from online_payments where status = 'succeeded') as payments,
           (select coalesce(sum(amount_kopecks), 0) from payment_allocations) as allocations,
           (select coalesce(sum(amount_kopecks), 0) from payments where online_payment_id is not null) as billing,
           (select count(*) from online_payments where status = 'succeeded') as succeeded`.execute(db);
  const row = totals.rows[0]!;
  console.log(`${row.succeeded} of ${count} card payments succeeded in ${(elapsed / 1000).toFixed(1)} s: ${(count / (elapsed / 1000)).toFixed(1)} payments/s`);
  console.log(`«Оплатить» pressed again after a 503: ${retries} times`);
  console.log(`«Оплатить» → allocated success: p50 ${p(0.5).toFixed(0)} ms, p99 ${p(0.99).toFixed(0)} ms, max ${latencies.at(-1)!.toFixed(0)} ms`);
  const equal = row.payments === row.allocations && row.payments === row.billing;
  console.log(`sum of payments ${row.payments} kopecks, of allocations ${row.allocations}, recorded for billing ${row.billing}: ${equal ? 'equal to the kopeck' : 'NOT EQUAL'}`);
  if (!equal || Number(row.succeeded) !== count) process.exitCode = 1;
} finally {
  await app?.close();
  await db.destroy();
  await admin(`drop database if exists ${scratch} with (force)`);
  rmSync(dataDir, { recursive: true, force: true });
}
