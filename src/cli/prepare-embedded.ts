// Creates, migrates and (outside production) seeds the embedded PGlite database in
// DATA_DIR, then exits. `npm start` runs it as a child process for a fresh data
// folder: PGlite's database creation leaves hundreds of MB of WebAssembly memory
// behind that a process never gets back, so the web process only opens the result.
// Prints "seeded" when it filled the database with the demo data.
import { configOrExit, dbFor } from '../boot.js';
import { migrateToLatest } from '../db/migrator.js';
import { seedDemoData } from '../db/seed/index.js';
import { createClock } from '../lib/calendar.js';

const config = configOrExit();
const db = dbFor(config);
try {
  await migrateToLatest(db);
  const seeded = !config.isProduction && (await seedDemoData(db, createClock(config.appToday).today()));
  if (seeded) console.log('seeded');
} finally {
  await db.destroy();
}
