import { sql, type Kysely } from 'kysely';

// The web process and the workers connect as a member of `zhku_web`, never as the
// owner of the tables: they may read and write the application's rows, but the audit
// log only takes new rows (INSERT, SELECT), and only the owner may alter a table, so
// the web role cannot disable the audit log's trigger either. Migrations run as the
// owner role (DATABASE_OWNER_URL). `zhku_web` is a group role without a login; each
// deployment grants it to its own login role (README, "Database roles").
//
// Roles belong to the whole cluster, so the role is created only when missing, and a
// second database migrating at the same moment (tests, several deployments on one
// server) that loses the race to create it carries on.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    do $$
    begin
      if not exists (select 1 from pg_roles where rolname = 'zhku_web') then
        begin
          create role zhku_web nologin;
        exception when duplicate_object or unique_violation then null;
        end;
      end if;
    end $$`.execute(db);
  await sql`grant usage on schema public to zhku_web`.execute(db);
  await sql`grant select, insert, update, delete on all tables in schema public to zhku_web`.execute(db);
  await sql`grant usage, select on all sequences in schema public to zhku_web`.execute(db);
  // Tables the owner creates in later migrations get the same rights.
  await sql`alter default privileges in schema public grant select, insert, update, delete on tables to zhku_web`.execute(db);
  await sql`alter default privileges in schema public grant usage, select on sequences to zhku_web`.execute(db);
  // The audit log is append-only for the application.
  await sql`revoke update, delete, truncate on audit_log from zhku_web`.execute(db);
  // Which migrations ran is the owner's business.
  await sql`revoke all on kysely_migration, kysely_migration_lock from zhku_web`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter default privileges in schema public revoke all on sequences from zhku_web`.execute(db);
  await sql`alter default privileges in schema public revoke all on tables from zhku_web`.execute(db);
  await sql`revoke all on all sequences in schema public from zhku_web`.execute(db);
  await sql`revoke all on all tables in schema public from zhku_web`.execute(db);
  await sql`revoke usage on schema public from zhku_web`.execute(db);
  // The role itself stays: other databases of the cluster may use it.
}
