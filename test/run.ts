// The suite's runner: `npm test` compiles the project into .build/ (tsc) and runs this
// there. Each test file runs compiled, in its own Node process, several at a time; a
// file passes when its process exits 0 (tap exits non-zero on any failed assertion).
// Running compiled JavaScript without loaders saves each process several seconds of
// loading the app through a TypeScript loader, which was most of the suite's time.
// Short files run several to a process (test/group.ts): loading the app and tap costs each
// process about 1.8 s of CPU. A group that fails runs again file by file, so a failure is
// always reported against its own file, by itself.
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
import { prepareScratchTablespace } from './fixtures/database.js';

const buildFolder = fileURLToPath(new URL('../', import.meta.url));
const projectFolder = path.dirname(buildFolder.replace(/\/$/, ''));
/** Durations of the last run, so the longest files start first and the run ends evenly. */
const timesFile = path.join(buildFolder, 'test-times.json');
/**
 * A clean checkout has no last run: it starts from the durations committed beside this
 * file (one run on the 2-core machine, files alone), refreshed by hand now and then.
 */
const committedTimesFile = path.join(projectFolder, 'test/file-times.json');
/** tap fails a file that runs longer than this (seconds), with the pending test named. */
const TAP_TIMEOUT = process.env.TAP_TIMEOUT ?? '240';
/** A file that hangs even so is stopped. */
const FILE_TIMEOUT_MS = (Number(TAP_TIMEOUT) + 60) * 1000;

type Outcome = { file: string; ok: boolean; ms: number; passed: number; failed: number; output: string };
/** Files that run in one process: one file, or several short ones. */
type Batch = string[];

/** Files whose last run took less than this share a process, up to GROUP_MS of last runs' time each. */
const SHORT_FILE_MS = 12_000;
const GROUP_MS = 24_000;
/** Files that keep a process of their own whatever their time: each starts servers or a browser of its own. */
const OWN_PROCESS = ['test/browser/', 'test/cityscale/', 'test/smoke-embedded.test.ts'];

/** Longest first, so the run ends evenly; short files packed into groups. */
function batches(files: string[], lastTimes: Record<string, number>): Batch[] {
  const time = (file: string) => lastTimes[file] ?? 60_000;
  const alone: Batch[] = [];
  const groups: { files: string[]; ms: number }[] = [];
  for (const file of [...files].sort((a, b) => time(b) - time(a))) {
    if (time(file) >= SHORT_FILE_MS || OWN_PROCESS.some((prefix) => file.startsWith(prefix))) {
      alone.push([file]);
      continue;
    }
    const group = groups.find((g) => g.ms + time(file) <= GROUP_MS);
    if (group) {
      group.files.push(file);
      group.ms += time(file);
    } else groups.push({ files: [file], ms: time(file) });
  }
  const estimate = (batch: Batch) => batch.reduce((sum, file) => sum + time(file), 0);
  return [...alone, ...groups.map((g) => g.files)].sort((a, b) => estimate(b) - estimate(a));
}

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

function compiledPath(file: string): string {
  return path.join(buildFolder, file.replace(/\.ts$/, '.js'));
}

/** One file in a process of its own, or a group of files in one process (the outcome names them all). */
function runBatch(batch: Batch): Promise<Outcome> {
  const started = Date.now();
  const script = batch.length === 1 ? [compiledPath(batch[0]!)] : [path.join(buildFolder, 'test/group.js'), ...batch.map(compiledPath)];
  const file = batch.join(', ');
  const child = spawn(process.execPath, ['--enable-source-maps', ...script], {
    cwd: projectFolder,
    // tap's timeout is its root's, for the whole process: a shared one gets each file's time.
    env: { ...process.env, TAP_TIMEOUT: String(Number(TAP_TIMEOUT) * batch.length) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const timer = setTimeout(() => {
    output += `\n# stopped: still running after ${(FILE_TIMEOUT_MS * batch.length) / 1000} s\n`;
    child.kill('SIGKILL');
  }, FILE_TIMEOUT_MS * batch.length);
  return new Promise((resolve) => {
    child.once('close', (code) => {
      clearTimeout(timer);
      // Assertions at any depth: "ok N - …" lines, not a subtest's own summary (which carries its time).
      const passed = (output.match(/^\s*ok \d+(?!.*# time=).*$/gm) ?? []).length;
      const failed = (output.match(/^\s*not ok \d+(?!.*# time=).*$/gm) ?? []).length;
      // tap refuses a test registered after its root ended, says so, and still exits 0.
      const refused = output.includes('cannot create subtest after parent test ends');
      resolve({ file, ok: code === 0 && !refused, ms: Date.now() - started, passed, failed, output });
    });
  });
}

async function main(): Promise<number> {
  const started = Date.now();
  const { selected, excluded } = parseArguments(process.argv.slice(2));
  pruneStaleOutput(buildFolder);
  const lastTimesFile = [timesFile, committedTimesFile].find((file) => existsSync(file));
  const lastTimes: Record<string, number> = lastTimesFile ? JSON.parse(readFileSync(lastTimesFile, 'utf8')) : {};
  const files = testFiles(selected, excluded);
  const queue = batches(files, lastTimes);
  const jobs = Number(process.env.TEST_JOBS) || availableParallelism() + 1;
  const tablespace = await prepareScratchTablespace();
  if (tablespace) process.env.TEST_TABLESPACE = tablespace;
  console.log(`${files.length} test files in ${queue.length} process${queue.length === 1 ? '' : 'es'}, ${jobs} at a time${tablespace ? ', databases in memory (/dev/shm)' : ''}`);

  const outcomes: Outcome[] = [];
  const report = (outcome: Outcome) => {
    outcomes.push(outcome);
    console.log(`${outcome.ok ? 'ok    ' : 'FAILED'} ${(outcome.ms / 1000).toFixed(1).padStart(6)} s  ${outcome.file}`);
    if (!outcome.ok) console.log(outcome.output.replace(/^/gm, '    | '));
  };
  const worker = async () => {
    for (let batch = queue.shift(); batch; batch = queue.shift()) {
      const outcome = await runBatch(batch);
      if (outcome.ok || batch.length === 1) {
        report(outcome);
        continue;
      }
      // Shown, so that a failure only seen in company (a leak between files, or a flaky test) is not lost.
      console.log(`again one by one  ${outcome.file}: their shared process failed with\n${outcome.output.replace(/^/gm, '    | ')}`);
      for (const file of batch) report(await runBatch([file]));
    }
  };
  try {
    await Promise.all(Array.from({ length: jobs }, worker));
  } finally {
    // The run's clean-up: template databases and the temp folder (as after-run.ts says).
    await import('./fixtures/after-run.js');
  }

  // A group's time is shared out over its files as their last times were (an estimate is all packing needs).
  const times: Record<string, number> = {};
  for (const outcome of outcomes) {
    const batch = outcome.file.split(', ');
    const estimated = batch.reduce((sum, file) => sum + (lastTimes[file] ?? 1), 0);
    for (const file of batch) times[file] = Math.round((outcome.ms * (lastTimes[file] ?? 1)) / estimated);
  }
  writeFileSync(timesFile, JSON.stringify({ ...lastTimes, ...times }, null, 1));
  const failedFiles = outcomes.filter((o) => !o.ok);
  const passed = outcomes.reduce((sum, o) => sum + o.passed, 0);
  const failed = outcomes.reduce((sum, o) => sum + o.failed, 0);
  console.log(`\n# files: ${files.length}, passed: ${files.length - failedFiles.length}, failed: ${failedFiles.length}`);
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
