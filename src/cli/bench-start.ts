// npm run bench:start — how long `npm start` takes on a fresh data folder and on a
// reused one (to /healthz answering 200), and the idle process's resident memory.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const port = Number(process.env.BENCH_PORT ?? 3917);
const dataDir = mkdtempSync(path.join(tmpdir(), 'zhku-bench-start-'));

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kib / 1024);
}

async function measure(label: string): Promise<void> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { PATH: process.env.PATH, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) throw new Error('the server exited');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const seconds = (performance.now() - started) / 1000;
  for (let i = 0; i < 20; i += 1) await fetch(`http://127.0.0.1:${port}/`);
  await new Promise((resolve) => setTimeout(resolve, 5000));
  console.log(`${label}: ready in ${seconds.toFixed(1)} s, idle RSS ${rssMiB(child.pid!)} MiB`);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

try {
  await measure('fresh data folder (migrate + seed)');
  await measure('reused data folder');
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
