import t from 'tap';
import { checkReadsTogetherMatchTheDriver } from './fixtures/read-together.js';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { createDb } from '../src/db/index.js';
import { sampleScanPng } from '../src/features/identity/sample-scan.js';
import { filesIn } from './fixtures/identity.js';
import { nodeArgsFor } from './fixtures/programs.js';
import { testTempDir } from './fixtures/temp.js';

// `npm start` with nothing configured: PGlite in DATA_DIR, jobs in-process, demo data.
// The server runs as the other tests' programs do (compiled in the suite, see nodeArgsFor).

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function boot(dataDir: string): Promise<{ url: string; output: () => string; stop: () => Promise<number | null> }> {
  const port = await freePort();
  const child = spawn(process.execPath, nodeArgsFor('src/server.ts'), {
    env: { PATH: process.env.PATH, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  // Generous: a loaded machine starts slowly, and this waits for the start, it does not time it.
  const deadline = Date.now() + 90_000;
  while (!output.includes('demo logins')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`server did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    output: () => output,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

t.setTimeout(300_000);

t.test('a fresh data folder is migrated, seeded and served; a second start reuses it', async (t) => {
  const dataDir = testTempDir('embedded-');
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));

  const first = await boot(dataDir);
  t.match(first.output(), /demo data seeded/);
  for (const login of ['resident@demo.local', 'admin@demo.local', 'moderator@demo.local', 'dispatcher@demo.local']) {
    t.match(first.output(), login);
  }
  const home = await fetch(first.url + '/');
  t.equal(home.status, 200);
  t.match(await home.text(), /Личный кабинет ЖКУ/);
  t.equal((await fetch(first.url + '/healthz')).status, 200);
  t.equal((await fetch(first.url + '/dev/mailbox')).status, 200);
  t.equal(await first.stop(), 0, 'SIGTERM ends the process cleanly');

  const second = await boot(dataDir);
  t.notMatch(second.output(), /demo data seeded/, 'the data is kept');
  t.equal((await fetch(second.url + '/healthz')).status, 200);
  t.equal(await second.stop(), 0);

  // Uploads are kept in the database here too: the demo scan is a row of PGlite, not a file.
  const db = createDb({ pgliteDir: path.join(dataDir, 'pglite') });
  try {
    const scan = await db
      .selectFrom('identity_documents')
      .innerJoin('uploaded_files', 'uploaded_files.id', 'identity_documents.file_id')
      .select('uploaded_files.bytes')
      .executeTakeFirstOrThrow();
    t.same(Buffer.from(scan.bytes), sampleScanPng(), 'the demo scan is in uploaded_files');
    await checkReadsTogetherMatchTheDriver(t, db);
  } finally {
    await db.destroy();
  }
  t.same(await filesIn(path.join(dataDir, 'uploads')), [], 'no file under DATA_DIR/uploads');
});
