import { sql, type Kysely } from 'kysely';

// Every commit that adds outbox rows notifies the channel `outbox`, so the relays
// (one in each web process and worker) wake at once instead of polling the table
// every 200 ms. NOTIFY is delivered only when the transaction commits, exactly when
// the rows become visible; one notification per statement is enough to wake them.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function outbox_notify() returns trigger language plpgsql as $$
    begin
      perform pg_notify('outbox', '');
      return null;
    end $$`.execute(db);
  await sql`create trigger outbox_notify after insert on outbox for each statement execute function outbox_notify()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger outbox_notify on outbox`.execute(db);
  await sql`drop function outbox_notify()`.execute(db);
}
