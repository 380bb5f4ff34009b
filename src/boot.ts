import path from 'node:path';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createDb, type Db } from './db/index.js';

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

export function dbFor(config: Config): Db {
  return createDb(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { pgliteDir: path.join(config.dataDir, 'pglite') });
}
