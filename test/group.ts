// Runs several short test files in one Node process (test/run.ts decides which): their
// tests join the one tap root of the process, in the order the files are given. Each file
// alone loads the app, tap and their ~1 200 modules for about 1.8 s of CPU, more than
// many short files spend on their tests.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

for (const file of process.argv.slice(2)) await import(pathToFileURL(path.resolve(file)).href);
