import { sql, type Kysely } from 'kysely';

// Area and residents come from the registry; a resident's change is a request
// that staff approve or reject with a reason. Changes recorded before this were
// applied at once and read as approved. An approved change applies from the
// period after the decision; a pending one holds the period it would start in.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('dwelling_changes')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('approved').check(sql`status in ('pending', 'approved', 'rejected')`))
    .addColumn('comment', 'text', (c) => c.check(sql`length(comment) <= 500`))
    .addColumn('decided_by', 'integer', (c) => c.references('staff.id'))
    .addColumn('decided_at', 'timestamptz')
    .addColumn('reason', 'text')
    .execute();
  await sql`alter table dwelling_changes alter column status set default 'pending'`.execute(db);
  await sql`alter table dwelling_changes add constraint dwelling_changes_bounds check (area between 1 and 1000 and residents_count between 0 and 30) not valid`.execute(db);
  await db.schema.createIndex('dwelling_changes_queue_idx').on('dwelling_changes').columns(['status', 'submitted_at', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('dwelling_changes_queue_idx').execute();
  await sql`alter table dwelling_changes drop constraint dwelling_changes_bounds`.execute(db);
  await db.schema
    .alterTable('dwelling_changes')
    .dropColumn('reason')
    .dropColumn('decided_at')
    .dropColumn('decided_by')
    .dropColumn('comment')
    .dropColumn('status')
    .execute();
}
