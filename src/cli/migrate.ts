// npm run migrate            — to the latest migration
// npm run migrate -- down    — one step down
import { configOrExit, ownerDbFor } from '../boot.js';
import { migrateDown, migrateToLatest } from '../db/migrator.js';

const config = configOrExit();
// As the owner of the tables (DATABASE_OWNER_URL): the web role may not create or alter them.
const db = ownerDbFor(config);
const down = process.argv.includes('down');
try {
  const result = down ? await migrateDown(db) : await migrateToLatest(db);
  const ran = result.results ?? [];
  if (ran.length === 0) console.log('Nothing to migrate: the database is up to date.');
  for (const r of ran) console.log(`${r.direction === 'Down' ? 'reverted' : 'applied'} ${r.migrationName}: ${r.status}`);
} catch (error) {
  console.error(String(error instanceof Error ? error.message : error));
  process.exitCode = 1;
} finally {
  await db.destroy();
}
