// Runs several short test files in one Node process (test/run.ts decides which): their
// tests join the one tap root of the process, in the order the files are given. Each file
// alone loads the app, tap and their ~1 200 modules for about 1.8 s of CPU, more than
// many short files spend on their tests.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import t from 'tap';

// tap ends its root as soon as nothing is queued once a teardown was registered on it (a
// file's module-level `t.teardown`, or a helper given the root's): between two imports that
// happened, the later files' tests were refused and the process still exited 0. A first test
// that lasts until every file is loaded keeps the queue from running dry; the files' tests
// wait behind it and run in order.
let allLoaded!: () => void;
const loading = new Promise<void>((resolve) => (allLoaded = resolve));
const files = process.argv.slice(2);
t.test(`${files.length} files loaded into one process`, async (t) => {
  await loading;
  t.pass('every file of the group has registered its tests');
});
for (const file of files) await import(pathToFileURL(path.resolve(file)).href);
allLoaded();
