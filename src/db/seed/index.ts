import type { Db } from '../index.js';
import { hashPassword } from '../../security/passwords.js';
import { seedPeople } from './people.js';
import { seedRegistry } from '../../features/accounts/seed.js';
import { seedLinks } from '../../features/linking/seed.js';
import { seedReadings } from '../../features/readings/seed.js';
import { seedIdentity } from '../../features/identity/seed.js';
import { seedNotices } from '../../features/notices/seed.js';
import { seedBilling } from '../../features/billing/seed.js';
import { seedRequests } from '../../features/requests/seed.js';

export const DEMO_PASSWORD = 'demo-password';

export const DEMO_LOGINS = [
  { email: 'resident@demo.local', who: 'житель (всё настроено)' },
  { email: 'admin@demo.local', who: 'администратор' },
  { email: 'moderator@demo.local', who: 'модератор' },
  { email: 'dispatcher@demo.local', who: 'диспетчер' },
  { email: 'waiting@demo.local', who: 'житель, документы на проверке' },
];

/**
 * Fills an empty database with demo data, in one transaction. Returns false when
 * the database already has data. Later features add their own steps at the end.
 * Demo files (a sample document scan) go into the database with the rows.
 */
export async function seedDemoData(db: Db, today: string): Promise<boolean> {
  const existing = await db.selectFrom('staff').select('id').limit(1).executeTakeFirst();
  if (existing) return false;
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  await db.transaction().execute(async (trx) => {
    await seedRegistry(trx);
    await seedPeople(trx, passwordHash);
    await seedLinks(trx);
    await seedReadings(trx, today);
    await seedIdentity(trx, { passwordHash, today });
    await seedNotices(trx, today);
    await seedBilling(trx, today);
    await seedRequests(trx, today);
  });
  return true;
}
