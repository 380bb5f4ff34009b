import { sql, type Kysely } from 'kysely';

// Identity verification: a resident's submission of document scans and the
// moderator's decision; residents.identity_status stays the resident's current level.
// Files live on disk; the rows keep their metadata after retention deletes them.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('identity_submissions')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('resident_id', 'integer', (c) => c.notNull().references('residents.id'))
    .addColumn('document_kind', 'text', (c) =>
      c.notNull().check(sql`document_kind in ('passport', 'driving_licence', 'other')`),
    )
    .addColumn('consent_text', 'text', (c) => c.notNull())
    .addColumn('consented_at', 'timestamptz', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('pending').check(sql`status in ('pending', 'approved', 'rejected')`),
    )
    .addColumn('rejection_reason', 'text')
    .addColumn('decided_by', 'integer', (c) => c.references('staff.id'))
    .addColumn('decided_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addCheckConstraint('identity_submissions_decision_check', sql`(status = 'pending') = (decided_at is null)`)
    .addCheckConstraint('identity_submissions_reason_check', sql`status <> 'rejected' or rejection_reason is not null`)
    .execute();
  // The moderation queue: pending submissions, oldest first.
  await db.schema
    .createIndex('identity_submissions_queue_idx')
    .on('identity_submissions')
    .columns(['created_at', 'id'])
    .where(sql.ref('status'), '=', 'pending')
    .execute();
  await db.schema
    .createIndex('identity_submissions_resident_idx')
    .on('identity_submissions')
    .columns(['resident_id', 'id desc'])
    .execute();
  // One submission waiting per resident, even if two uploads race.
  await db.schema
    .createIndex('identity_submissions_one_pending_key')
    .on('identity_submissions')
    .column('resident_id')
    .unique()
    .where(sql.ref('status'), '=', 'pending')
    .execute();
  // The retention job looks for decisions older than the retention period.
  await db.schema
    .createIndex('identity_submissions_decided_idx')
    .on('identity_submissions')
    .column('decided_at')
    .where('decided_at', 'is not', null)
    .execute();

  await db.schema
    .createTable('identity_documents')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('submission_id', 'integer', (c) => c.notNull().references('identity_submissions.id'))
    .addColumn('stored_name', 'text', (c) => c.notNull().unique())
    .addColumn('original_name', 'text', (c) => c.notNull())
    .addColumn('mime_type', 'text', (c) =>
      c.notNull().check(sql`mime_type in ('image/jpeg', 'image/png', 'application/pdf')`),
    )
    .addColumn('size_bytes', 'integer', (c) => c.notNull().check(sql`size_bytes > 0`))
    .addColumn('sha256', 'text', (c) => c.notNull().check(sql`sha256 ~ '^[0-9a-f]{64}$'`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('deleted_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('identity_documents_submission_idx').on('identity_documents').column('submission_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('identity_documents').execute();
  await db.schema.dropTable('identity_submissions').execute();
}
