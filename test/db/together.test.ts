import t from 'tap';
import { freshDatabase } from '../fixtures/database.js';
import { checkReadsTogetherMatchTheDriver } from '../fixtures/read-together.js';

t.test('reads run together give the rows each gives alone (Postgres)', async (t) => {
  const { db } = await freshDatabase(t.teardown, { seededFor: '2026-11-20' });
  await checkReadsTogetherMatchTheDriver(t, db);
});
