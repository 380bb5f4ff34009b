import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { recordAudit } from '../../audit/writer.js';

// Files residents attach to requests (a dwelling document, a meter certificate, photos of
// a leak) serve the decision and a possible dispute after it, then go (152-ФЗ): their bytes
// are deleted ATTACHMENT_RETENTION_DAYS after the request was decided, withdrawn or closed.
// The rows stay (name, type, size, checksum), so the request reads as before and the
// file's link answers «Файл удалён»; uploaded_files.id is referenced ON DELETE SET NULL.

const BATCH = 500;

type Kind = 'dwelling-document' | 'meter-certificate' | 'request-photo';

/** The file ids of each kind of attachment whose request was settled before `cutoff`. */
function dueFiles(db: Kysely<Database>, kind: Kind, cutoff: Date, limit: number) {
  switch (kind) {
    case 'dwelling-document':
      return db
        .selectFrom('dwelling_documents as d')
        .innerJoin('dwelling_changes as c', 'c.id', 'd.dwelling_change_id')
        .select('d.file_id')
        .where('d.file_id', 'is not', null)
        .where('c.decided_at', '<=', cutoff)
        .limit(limit);
    case 'meter-certificate':
      return db.selectFrom('meter_requests').select('file_id').where('file_id', 'is not', null).where('decided_at', '<=', cutoff).limit(limit);
    case 'request-photo':
      return db
        .selectFrom('service_request_photos as p')
        .innerJoin('service_requests as r', 'r.id', 'p.request_id')
        .select('p.file_id')
        .where('p.file_id', 'is not', null)
        .where('r.closed_at', '<=', cutoff)
        .limit(limit);
  }
}

/** Deletes the bytes of attachments past their retention, a batch at a time; audits how many of each kind. */
export async function deleteExpiredAttachments(db: Kysely<Database>, options: { now: Date; retentionDays: number }): Promise<Record<Kind, number>> {
  const cutoff = new Date(options.now.getTime() - options.retentionDays * 24 * 3600_000);
  const deleted: Record<Kind, number> = { 'dwelling-document': 0, 'meter-certificate': 0, 'request-photo': 0 };
  for (const kind of Object.keys(deleted) as Kind[]) {
    for (;;) {
      const count = await db.transaction().execute(async (trx) => {
        const rows = await trx
          .deleteFrom('uploaded_files')
          .where(sql<boolean>`id in (${dueFiles(trx, kind, cutoff, BATCH)})`)
          .returning('id')
          .execute();
        if (rows.length > 0) {
          await recordAudit(trx, {
            staffId: null,
            action: 'attachments.deleted',
            subjectType: kind,
            details: { count: rows.length, retentionDays: options.retentionDays },
          });
        }
        return rows.length;
      });
      deleted[kind] += count;
      if (count < BATCH) break;
    }
  }
  return deleted;
}
