import { sql, type Kysely } from 'kysely';

// Resident sign-in: trusted devices (skip the second step for 30 days), failed
// password counters that lock an address for 15 minutes, and fixed-window rate
// limit counters kept in the database so that every web process sees them.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('trusted_devices')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('resident_id', 'integer', (c) => c.notNull().references('residents.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('user_agent', 'text')
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('trusted_devices_resident_idx').on('trusted_devices').column('resident_id').execute();
  await db.schema.createIndex('trusted_devices_expires_idx').on('trusted_devices').column('expires_at').execute();

  // Keyed by the lower-cased address, whether or not an account has it, so a
  // locked address looks the same for a real account and an unknown one.
  await db.schema
    .createTable('sign_in_failures')
    .addColumn('email', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_until', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sign_in_failures_updated_idx').on('sign_in_failures').column('updated_at').execute();

  await db.schema
    .createTable('rate_limits')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('window_started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('hits', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('rate_limits_window_idx').on('rate_limits').column('window_started_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('rate_limits').execute();
  await db.schema.dropTable('sign_in_failures').execute();
  await db.schema.dropTable('trusted_devices').execute();
}
