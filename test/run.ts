// The suite's runner: `npm test` compiles the project into .build/ (tsc) and runs this
// there. Each test file runs compiled, in its own Node process, several at a time; a
// file passes when its process exits 0 (tap exits non-zero on any failed assertion).
// Running compiled JavaScript without loaders saves each process several seconds of
// loading the app through a TypeScript loader, which was most of the suite's time.
//
//   npm test                                   every file under test/
//   npm test -- test/features/linking          the files under a folder, or single files
//   npm test -- --exclude test/browser         all but a folder
//   TEST_JOBS=3 npm test                       how many files at once (default: cores + 1)
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const buildFolder = fileURLToPath(new URL('../', import.meta.url));
const projectFolder = path.dirname(buildFolder.replace(/\/$/, ''));
/** Durations of the last run, so the longest files start first and the run ends evenly. */
const timesFile = path.join(buildFolder, 'test-times.json');
/** tap fails a file that runs longer than this (seconds), with the pending test named. */
const TAP_TIMEOUT = process.env.TAP_TIMEOUT ?? '240';
/** A file that hangs even so is stopped. */
const FILE_TIMEOUT_MS = (Number(TAP_TIMEOUT) + 60) * 1000;

type Outcome = { file: string; ok: boolean; ms: number; passed: number; failed: number; output: string };

function filesUnder(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : filesUnder(full);
    return entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

/** Compiled files whose source is gone (a deleted test or migration) would otherwise still run. */
function pruneStaleOutput(folder: string): void {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) pruneStaleOutput(full);
    else if (/\.js(\.map)?$/.test(entry.name)) {
      const source = path.join(projectFolder, path.relative(buildFolder, full)).replace(/\.js(\.map)?$/, '.ts');
      if (!existsSync(source)) rmSync(full);
    }
  }
}

function parseArguments(args: string[]): { selected: string[]; excluded: string[] } {
  const selected: string[] = [];
  const excluded: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--exclude') excluded.push(path.resolve(projectFolder, args[++i] ?? ''));
    else selected.push(path.resolve(projectFolder, args[i]!));
  }
  return { selected, excluded };
}

function testFiles(selected: string[], excluded: string[]): string[] {
  const roots = selected.length > 0 ? selected : [path.join(projectFolder, 'test')];
  const files = roots.flatMap((root) => {
    if (!existsSync(root)) throw new Error(`no such test file or folder: ${path.relative(projectFolder, root)}`);
    return statSync(root).isDirectory() ? filesUnder(root) : [root];
  });
  const inside = (file: string, folder: string) => file === folder || file.startsWith(folder.replace(/\/?$/, '/'));
  return [...new Set(files)].filter((file) => !excluded.some((folder) => inside(file, folder))).map((file) => path.relative(projectFolder, file));
}

function runFile(file: string): Promise<Outcome> {
  const started = Date.now();
  const compiled = path.join(buildFolder, file.replace(/\.ts$/, '.js'));
  const child = spawn(process.execPath, ['--enable-source-maps', compiled], {
    cwd: projectFolder,
    env: { ...process.env, TAP_TIMEOUT },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const timer = setTimeout(() => {
    output += `\n# stopped: still running after ${FILE_TIMEOUT_MS / 1000} s\n`;
    child.kill('SIGKILL');
  }, FILE_TIMEOUT_MS);
  return new Promise((resolve) => {
    child.once('close', (code) => {
      clearTimeout(timer);
      // Assertions at any depth: "ok N - …" lines, not a subtest's own summary (which carries its time).
      const passed = (output.match(/^\s*ok \d+(?!.*# time=).*$/gm) ?? []).length;
      const failed = (output.match(/^\s*not ok \d+(?!.*# time=).*$/gm) ?? []).length;
      resolve({ file, ok: code === 0, ms: Date.now() - started, passed, failed, output });
    });
  });
}

async function main(): Promise<number> {
  const started = Date.now();
  const { selected, excluded } = parseArguments(process.argv.slice(2));
  pruneStaleOutput(buildFolder);
  const lastTimes: Record<string, number> = existsSync(timesFile) ? JSON.parse(readFileSync(timesFile, 'utf8')) : {};
  const queue = testFiles(selected, excluded).sort((a, b) => (lastTimes[b] ?? 60_000) - (lastTimes[a] ?? 60_000));
  const jobs = Number(process.env.TEST_JOBS) || availableParallelism() + 1;
  console.log(`${queue.length} test files, ${jobs} at a time`);

  const outcomes: Outcome[] = [];
  const worker = async () => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      const outcome = await runFile(file);
      outcomes.push(outcome);
      console.log(`${outcome.ok ? 'ok    ' : 'FAILED'} ${(outcome.ms / 1000).toFixed(1).padStart(6)} s  ${file}`);
      if (!outcome.ok) console.log(outcome.output.replace(/^/gm, '    | '));
    }
  };
  try {
    await Promise.all(Array.from({ length: jobs }, worker));
  } finally {
    // The run's clean-up: template databases and the temp folder (as after-run.ts says).
    await import('./fixtures/after-run.js');
  }

  writeFileSync(timesFile, JSON.stringify({ ...lastTimes, ...Object.fromEntries(outcomes.map((o) => [o.file, o.ms])) }, null, 1));
  const failedFiles = outcomes.filter((o) => !o.ok);
  const passed = outcomes.reduce((sum, o) => sum + o.passed, 0);
  const failed = outcomes.reduce((sum, o) => sum + o.failed, 0);
  console.log(`\n# files: ${outcomes.length}, passed: ${outcomes.length - failedFiles.length}, failed: ${failedFiles.length}`);
  console.log(`# assertions: ${passed + failed}, passed: ${passed}, failed: ${failed}`);
  console.log(`# time: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  for (const o of failedFiles) console.log(`# failed: ${o.file}`);
  return failedFiles.length === 0 ? 0 : 1;
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 2;
}
