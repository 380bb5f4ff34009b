import type { Transaction } from 'kysely';
import type { Database } from '../schema.js';

/** Staff of every role and a fully set-up resident, all with the demo password. */
export async function seedPeople(trx: Transaction<Database>, passwordHash: string): Promise<void> {
  await trx
    .insertInto('staff')
    .values([
      { email: 'admin@demo.local', full_name: 'Анна Администратова', password_hash: passwordHash, roles: ['admin'] },
      { email: 'moderator@demo.local', full_name: 'Михаил Модераторов', password_hash: passwordHash, roles: ['moderator'] },
      { email: 'dispatcher@demo.local', full_name: 'Дарья Диспетчерова', password_hash: passwordHash, roles: ['dispatcher'] },
    ])
    .execute();
  await trx
    .insertInto('residents')
    .values({
      email: 'resident@demo.local',
      phone: '+79161234567',
      password_hash: passwordHash,
      email_confirmed_at: new Date('2026-01-15T10:00:00Z'),
      identity_status: 'confirmed',
    })
    .execute();
}
