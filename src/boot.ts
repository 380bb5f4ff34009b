import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createDb, type Db } from './db/index.js';
import { migrateToLatest } from './db/migrator.js';

/** Config from the environment; a bad value ends the process with one line naming it. */
export function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Configuration error: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}

function pgliteDir(config: Config): string {
  return path.join(config.dataDir, 'pglite');
}

/** The database as the web process and workers see it (DATABASE_URL, or the embedded PGlite). */
export function dbFor(config: Config): Db {
  return createDb(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { pgliteDir: pgliteDir(config) });
}

/** The database as its owner, for migrations (DATABASE_OWNER_URL, falling back as dbFor does). */
export function ownerDbFor(config: Config): Db {
  return createDb(config.databaseOwnerUrl ? { databaseUrl: config.databaseOwnerUrl } : { pgliteDir: pgliteDir(config) });
}

/**
 * The embedded mode's database, migrated and ready. A fresh data folder is created
 * by a child process (see src/cli/prepare-embedded.ts), which keeps the memory
 * PGlite needs to create a database out of the web process; an existing one is
 * opened here and brought up to the latest migration. One process at a time owns
 * the folder, so the child has finished before this process opens it.
 */
export async function openEmbeddedDatabase(config: Config): Promise<{ db: Db; seeded: boolean }> {
  let seeded = false;
  if (!existsSync(pgliteDir(config))) seeded = await prepareInChildProcess();
  const db = dbFor(config);
  await migrateToLatest(db);
  return { db, seeded };
}

function prepareInChildProcess(): Promise<boolean> {
  // The same kind of file as this one: TypeScript through tsx, or the compiled copy the tests run.
  const script = fileURLToPath(new URL(`./cli/prepare-embedded${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url));
  const child = spawn(process.execPath, [...process.execArgv, script], { env: process.env, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(output.includes('seeded')) : reject(new Error(`preparing the embedded database failed (exit code ${code})`)),
    );
  });
}
