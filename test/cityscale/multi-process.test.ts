import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import t from 'tap';
import { nginxMissing, startNginx } from '../../src/cli/nginx-proxy.js';
import { loadConfig } from '../../src/config.js';
import type { Db } from '../../src/db/index.js';
import { sampleScanPng } from '../../src/features/identity/sample-scan.js';
import { createClock } from '../../src/lib/calendar.js';
import { sendEmailLater } from '../../src/messaging/service.js';
import { hashPassword } from '../../src/security/passwords.js';
import { eventually } from '../fixtures/app.js';
import { freePort, startProcess } from '../fixtures/browser.js';
import { TEST_REDIS_URL, freshDatabase, lifo, uniqueQueuePrefix } from '../fixtures/database.js';
import { staffId, uploadParts, multipartBody, type Part } from '../fixtures/identity.js';
import { codeIn } from '../fixtures/resident-auth.js';
import { sessionCookie } from '../fixtures/sessions.js';
import { testTempDir } from '../fixtures/temp.js';

// A deployment in miniature: two web processes and two workers on one Postgres database
// and one Redis, behind nginx as a round-robin proxy that stands for TLS (X-Forwarded-Proto
// https, TRUST_PROXY=1, production mode with its Secure session cookie). nginx names the
// process that served each answer (X-Upstream), so "the other process" is checked, not assumed.
// Each process has a DATA_DIR of its own: nothing can pass between them on disk.

type Answer = { status: number; headers: Headers; body: string; bytes: Buffer; upstream: string };

/** A client of the proxy over real HTTP: keeps cookies and the page's CSRF token, follows no redirects. */
class ProxyClient {
  private readonly cookies = new Map<string, string>();
  csrfToken = '';

  constructor(private readonly base: string) {}

  setCookie(name: string, value: string): this {
    this.cookies.set(name, value);
    return this;
  }

  async request(method: 'GET' | 'POST', path: string, body?: { payload: Buffer | string; contentType: string }): Promise<Answer> {
    const response = await fetch(this.base + path, {
      method,
      redirect: 'manual',
      headers: {
        cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(body ? { 'content-type': body.contentType } : {}),
      },
      body: typeof body?.payload === 'string' ? body.payload : body && new Uint8Array(body.payload),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = value === '' || attributes.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const bytes = Buffer.from(await response.arrayBuffer());
    const text = bytes.toString('utf8');
    const token = /name="_csrf" value="([^"]+)"/.exec(text);
    if (token) this.csrfToken = token[1]!;
    return { status: response.status, headers: response.headers, body: text, bytes, upstream: response.headers.get('x-upstream') ?? '' };
  }

  get(path: string): Promise<Answer> {
    return this.request('GET', path);
  }

  post(path: string, form: Record<string, string>): Promise<Answer> {
    const payload = new URLSearchParams({ _csrf: this.csrfToken, ...form }).toString();
    return this.request('POST', path, { payload, contentType: 'application/x-www-form-urlencoded' });
  }

  postMultipart(path: string, parts: Part[]): Promise<Answer> {
    const { body, contentType } = multipartBody([{ name: '_csrf', value: this.csrfToken }, ...parts]);
    return this.request('POST', path, { payload: body, contentType });
  }

  /** Repeats a GET until a process other than `upstream` answers it (round robin: the next one, as a rule). */
  async getFromOtherThan(upstream: string, path: string): Promise<Answer> {
    for (let attempt = 0; attempt < 6; attempt++) {
      const answer = await this.get(path);
      if (answer.upstream !== upstream) return answer;
    }
    throw new Error(`every answer to ${path} came from ${upstream}`);
  }
}

async function newestMessageTo(db: Db, recipient: string, after: number): Promise<{ id: number; text: string }> {
  let found: { id: number; text: string } | undefined;
  await eventually(async () => {
    found = await db.selectFrom('sent_messages').select(['id', 'text']).where('recipient', '=', recipient).where('id', '>', after).orderBy('id', 'desc').executeTakeFirst();
    return found !== undefined;
  });
  return found!;
}

const skip = nginxMissing();

t.test('two web processes and two workers behind nginx serve one resident as one site', { skip }, async (t) => {
  const teardown = lifo(t.teardown);
  const { db, url: databaseUrl } = await freshDatabase(teardown, { seededFor: createClock().today() });

  // Where the workers' email goes: a real SMTP server that counts deliveries.
  const delivered: string[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      stream.on('data', () => undefined).on('end', () => {
        delivered.push(...session.envelope.rcptTo.map((r) => r.address));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  teardown(() => new Promise<void>((resolve) => smtp.close(() => resolve())));

  const [proxyPort, portA, portB] = [await freePort(), await freePort(), await freePort()];
  const common = {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PUBLIC_URL: `https://127.0.0.1:${proxyPort}`,
    DATABASE_URL: databaseUrl,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: uniqueQueuePrefix(),
    SESSION_SECRET: randomBytes(32).toString('hex'),
    TRUST_PROXY: '1',
    SMTP_URL: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`,
    RELAY_INTERVAL_MS: '50',
    LOG_LEVEL: 'info',
  };
  const ownDataDir = () => {
    const dir = testTempDir('process-');
    teardown(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  };
  const processes = await Promise.all([
    startProcess(teardown, 'src/server.ts', { ...common, PORT: String(portA), DATA_DIR: ownDataDir() }, { healthz: `http://127.0.0.1:${portA}` }),
    startProcess(teardown, 'src/server.ts', { ...common, PORT: String(portB), DATA_DIR: ownDataDir() }, { healthz: `http://127.0.0.1:${portB}` }),
    startProcess(teardown, 'src/cli/worker.ts', { ...common, DATA_DIR: ownDataDir() }, { logged: 'worker started' }),
    startProcess(teardown, 'src/cli/worker.ts', { ...common, DATA_DIR: ownDataDir() }, { logged: 'worker started' }),
  ]);
  const proxy = await startNginx([{ port: proxyPort, upstreams: [portA, portB] }], { forwardedProto: 'https', showUpstream: true });
  teardown(() => proxy.stop());
  const webProcesses = [`127.0.0.1:${portA}`, `127.0.0.1:${portB}`];
  const base = `http://127.0.0.1:${proxyPort}`;
  t.teardown(() => {
    if (t.passing()) return;
    t.comment(`nginx:\n${proxy.errorLog()}`);
    for (const p of processes) t.comment(p.output().slice(-4000));
  });

  await t.test('a resident signs in on one process and carries on on the other', async (t) => {
    const password = 'Длинный пароль для проверки 42';
    const email = 'two-processes@example.test';
    await db
      .insertInto('residents')
      .values({ email, phone: '+79160000042', password_hash: await hashPassword(password), email_confirmed_at: new Date(), identity_status: 'none' })
      .execute();
    const resident = new ProxyClient(base);
    await resident.get('/login');
    const login = await resident.post('/login', { email, password });
    t.equal(login.status, 303, 'password accepted');
    t.equal(login.headers.get('location'), '/login/code');
    await resident.get('/login/code');
    const before = Number((await db.selectFrom('sent_messages').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst())?.id ?? 0);
    t.equal((await resident.post('/login/code/send', { channel: 'email' })).status, 303);
    const code = codeIn((await newestMessageTo(db, email, before)).text);
    await resident.get('/login/code');
    const confirmed = await resident.post('/login/code', { code });
    t.equal(confirmed.status, 303, 'code accepted');
    // The app sets a Secure cookie only on a request it believes came over https.
    t.ok(confirmed.headers.getSetCookie().some((c) => /; Secure/i.test(c)), 'a Secure session cookie: the app believed nginx\'s X-Forwarded-Proto');
    t.ok(webProcesses.includes(confirmed.upstream), `signed in on ${confirmed.upstream}`);

    const carriesOn = await resident.getFromOtherThan(confirmed.upstream, '/identity');
    t.ok(webProcesses.includes(carriesOn.upstream), `then served by ${carriesOn.upstream}`);
    t.equal(carriesOn.status, 200, 'the other process knows the session');
    t.match(carriesOn.body, 'Подтверждение личности');

    // The page limit's counter is in Redis: one session's budget shrinks by one per
    // request whichever process serves it.
    const seen: { upstream: string; remaining: number }[] = [];
    for (let i = 0; i < 4; i++) {
      const page = await resident.get('/identity');
      seen.push({ upstream: page.upstream, remaining: Number(page.headers.get('x-ratelimit-remaining')) });
    }
    t.same(new Set(seen.map((s) => s.upstream)), new Set(webProcesses), 'both processes answered');
    for (let i = 1; i < seen.length; i++) t.equal(seen[i]!.remaining, seen[i - 1]!.remaining - 1, `request ${i + 1} counted after request ${i} (${seen[i]!.upstream})`);

    await t.test('an identity scan uploaded through one process is opened by a moderator through the other', async (t) => {
      await resident.get('/identity');
      const scan = sampleScanPng(64, 48);
      // A multi-megabyte PDF: nginx buffers the body to its own disk, the app stores it in Postgres.
      const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(6 * 1024 * 1024), Buffer.from('\n%%EOF\n')]);
      const upload = await resident.postMultipart(
        '/identity',
        uploadParts([
          { filename: 'паспорт.png', content: scan, type: 'image/png' },
          { filename: 'прописка.pdf', content: pdf, type: 'application/pdf' },
        ]),
      );
      t.equal(upload.status, 303, 'uploaded');
      const documents = await db
        .selectFrom('identity_documents')
        .innerJoin('identity_submissions', 'identity_submissions.id', 'identity_documents.submission_id')
        .innerJoin('residents', 'residents.id', 'identity_submissions.resident_id')
        .select(['identity_documents.id', 'identity_documents.submission_id', 'identity_documents.mime_type'])
        .where('residents.email', '=', email)
        .orderBy('identity_documents.id')
        .execute();
      t.same(documents.map((d) => d.mime_type), ['image/png', 'application/pdf']);
      const config = loadConfig({ ...common, PORT: String(portA) });
      const cookie = await sessionCookie(db, config, { staffId: await staffId(db, 'moderator@demo.local') });
      const moderator = new ProxyClient(base).setCookie(cookie.name, cookie.value);
      for (const [document, content] of [[documents[0]!, scan], [documents[1]!, pdf]] as const) {
        const opened = await moderator.getFromOtherThan(upload.upstream, `/admin/documents/${document.submission_id}/files/${document.id}`);
        t.not(opened.upstream, upload.upstream, `${document.mime_type}: received by ${upload.upstream}, served by ${opened.upstream}`);
        t.equal(opened.status, 200);
        t.equal(opened.headers.get('content-type'), document.mime_type);
        t.ok(opened.bytes.equals(content), `${document.mime_type}: the same ${content.length} bytes`);
      }
    });
  });

  await t.test('an attempt limit counts the attempts made on both processes', async (t) => {
    const visitor = new ProxyClient(base);
    await visitor.get('/password-reset');
    const answers: Answer[] = [];
    // Three resets an hour per address book entry (LIMITS.resetPerAccount), whoever serves them.
    for (let i = 0; i < 4; i++) answers.push(await visitor.post('/password-reset', { email: 'resident@demo.local' }));
    t.same(answers.map((a) => a.status), [303, 303, 303, 429]);
    t.same(new Set(answers.map((a) => a.upstream)), new Set(webProcesses), 'both processes took attempts');
    t.match(answers[3]!.body, 'Попробуйте снова через');
  });

  await t.test('every outbox job runs exactly once with two workers and two web processes relaying', async (t) => {
    const N = 40;
    const recipients = Array.from({ length: N }, (_, i) => `bulk-${i}@example.test`);
    await db.transaction().execute(async (trx) => {
      for (const to of recipients) await sendEmailLater(trx, { to, subject: 'Проверка', text: `Письмо для ${to}`, html: `<p>Письмо для ${to}</p>` });
    });
    const sentRows = async () => db.selectFrom('sent_messages').select(['recipient', 'status']).where('recipient', 'like', 'bulk-%').execute();
    await eventually(async () => (await sentRows()).length >= N && delivered.filter((r) => r.startsWith('bulk-')).length >= N);
    // Several relay rounds later, still once each: no second process took a job again.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const rows = await sentRows();
    t.equal(rows.length, N, `${N} sent_messages rows`);
    t.same(rows.map((r) => r.recipient).sort(), [...recipients].sort(), 'one row per recipient');
    t.ok(rows.every((r) => r.status === 'sent'), 'each marked sent');
    const bulk = delivered.filter((r) => r.startsWith('bulk-'));
    t.equal(bulk.length, N, `${N} SMTP deliveries`);
    t.same(bulk.sort(), [...recipients].sort(), 'one delivery per recipient');
    const everything = await db.selectFrom('sent_messages').select('id').where('channel', '=', 'email').execute();
    t.equal(delivered.length, everything.length, 'every email of the test (code, resets, bulk) delivered exactly once');
    const open = await db.selectFrom('outbox').select('id').where('status', '!=', 'done').execute();
    t.same(open, [], 'the outbox is empty');
  });
});
