import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';

/**
 * resident@demo.local has approved links to these accounts; 7700000001 and
 * 7700000002 stay unlinked for the browser tests to link.
 */
export const DEMO_LINKED = ['7700000010', '7700000011'];

export async function seedLinks(trx: Transaction<Database>): Promise<void> {
  const resident = await trx.selectFrom('residents').select('id').where('email', '=', 'resident@demo.local').executeTakeFirstOrThrow();
  const moderator = await trx.selectFrom('staff').select('id').where('email', '=', 'moderator@demo.local').executeTakeFirstOrThrow();
  const accounts = await trx
    .selectFrom('payer_accounts as pa')
    .innerJoin('premises as p', 'p.id', 'pa.premises_id')
    .select(['pa.id', 'pa.payer_code', 'pa.provider_id', 'p.flat_number'])
    .where('pa.payer_code', 'in', DEMO_LINKED)
    .orderBy('pa.payer_code')
    .execute();
  await trx
    .insertInto('account_links')
    .values(
      accounts.map((account) => ({
        resident_id: resident.id,
        requested_payer_code: account.payer_code,
        requested_provider_id: account.provider_id,
        requested_flat: account.flat_number,
        consented_at: new Date('2026-01-15T12:00:00Z'),
        created_at: new Date('2026-01-15T12:00:00Z'),
        payer_account_id: account.id,
        status: 'approved' as const,
        decided_by: moderator.id,
        decided_at: new Date('2026-01-16T09:30:00Z'),
      })),
    )
    .execute();
}
