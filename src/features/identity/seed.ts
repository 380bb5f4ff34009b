import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { consentText } from './rules.js';
import { sampleScanPng } from './sample-scan.js';
import { sha256Hex } from '../../lib/hash.js';
import { addDays } from '../../lib/calendar.js';

export const WAITING_RESIDENT_EMAIL = 'waiting@demo.local';

/** Demo: a resident whose passport scan waits in the moderators' queue. */
export async function seedIdentity(
  trx: Transaction<Database>,
  options: { passwordHash: string; today: string },
): Promise<void> {
  // Yesterday at 10:30 Moscow: in the past whatever the time of day the seed runs at.
  const sentAt = new Date(`${addDays(options.today, -1)}T07:30:00Z`);
  const resident = await trx
    .insertInto('residents')
    .values({
      email: WAITING_RESIDENT_EMAIL,
      phone: '+79167654321',
      password_hash: options.passwordHash,
      email_confirmed_at: new Date(sentAt.getTime() - 24 * 3600_000),
      identity_status: 'pending',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const submission = await trx
    .insertInto('identity_submissions')
    .values({
      resident_id: resident.id,
      document_kind: 'passport',
      consent_text: consentText(30),
      consented_at: sentAt,
      created_at: sentAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const scan = sampleScanPng();
  const file = await trx.insertInto('uploaded_files').values({ bytes: scan }).returning('id').executeTakeFirstOrThrow();
  await trx
    .insertInto('identity_documents')
    .values({
      submission_id: submission.id,
      file_id: file.id,
      original_name: 'паспорт-разворот.png',
      mime_type: 'image/png',
      size_bytes: scan.length,
      sha256: sha256Hex(scan),
      created_at: sentAt,
    })
    .execute();
}
