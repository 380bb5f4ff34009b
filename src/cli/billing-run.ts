// npm run billing:run -- 2026-11
// Bills every payer account for the month, in this process, and prints the progress.
// Accounts already billed for the month are skipped, so a rerun is safe.
import { configOrExit, dbFor } from '../boot.js';
import { executeBillRun, startBillRun } from '../features/billing/bill-runs.js';
import { createClock } from '../lib/calendar.js';

const month = process.argv[2] ?? '';
if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) {
  console.error('Usage: npm run billing:run -- YYYY-MM   (e.g. 2026-11)');
  process.exit(1);
}
const config = configOrExit();
const db = dbFor(config);
const clock = createClock(config.appToday);
try {
  const started = Date.now();
  // Recorded like a back-office run (so it shows there), then executed here rather than by a worker.
  const runId = await db.transaction().execute((trx) => startBillRun(trx, { period: `${month}-01`, by: null, enqueue: false }));
  const run = await executeBillRun(db, runId, clock.now());
  if (!run || run.status !== 'done') {
    console.error(`Bill run failed: ${run?.error ?? 'not found'}`);
    process.exitCode = 1;
  } else {
    console.log(`Bills for ${month}: ${run.billsCreated} created for ${run.doneAccounts} accounts in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
} finally {
  await db.destroy();
}
