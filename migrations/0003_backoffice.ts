import type { Kysely } from 'kysely';

// The back office: an optional authenticator app (TOTP) per staff member, and
// the index behind the audit log's filter by action.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('staff')
    // The shared secret, sealed with a key derived from SESSION_SECRET (AES-256-GCM).
    .addColumn('totp_secret', 'text')
    // Null while the secret is only being set up (or the app is off).
    .addColumn('totp_enabled_at', 'timestamptz')
    // The last 30-second step accepted, so one code cannot be used twice.
    .addColumn('totp_last_step', 'bigint')
    .execute();
  await db.schema.createIndex('audit_log_action_idx').on('audit_log').columns(['action', 'created_at desc']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('audit_log_action_idx').execute();
  await db.schema.alterTable('staff').dropColumn('totp_last_step').dropColumn('totp_enabled_at').dropColumn('totp_secret').execute();
}
