import { sql, type Kysely } from 'kysely';

// A resident may withdraw a meter registration request while it waits (a wrong
// photo, a wrong serial number): it leaves the moderators' queue as «Отозвана».
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table meter_requests drop constraint meter_requests_status_check`.execute(db);
  await sql`alter table meter_requests add constraint meter_requests_status_check check (status in ('pending', 'approved', 'rejected', 'withdrawn'))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`update meter_requests set status = 'rejected', reason = 'Отозвана жителем' where status = 'withdrawn'`.execute(db);
  await sql`alter table meter_requests drop constraint meter_requests_status_check`.execute(db);
  await sql`alter table meter_requests add constraint meter_requests_status_check check (status in ('pending', 'approved', 'rejected'))`.execute(db);
}
