// npm run seed — demo data into an empty, migrated database (never in production).
import { configOrExit, dbFor } from '../boot.js';
import { DEMO_LOGINS, DEMO_PASSWORD, seedDemoData } from '../db/seed/index.js';
import { createClock } from '../lib/calendar.js';

const config = configOrExit();
if (config.isProduction) {
  console.error('Demo data is never created in production.');
  process.exit(1);
}
const db = dbFor(config);
try {
  const seeded = await seedDemoData(db, createClock(config.appToday).today());
  if (!seeded) console.log('The database already has data: nothing seeded.');
  else console.log(`Demo data seeded. Logins (password "${DEMO_PASSWORD}"): ${DEMO_LOGINS.map((l) => l.email).join(', ')}`);
} finally {
  await db.destroy();
}
