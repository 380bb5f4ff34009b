import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { actionLabel } from '../../audit/actions.js';
import { dayAfter, dayStart, type AuditFilter } from './filter.js';
import { auditSubject, detailLines, type AuditSubject, type DetailLine } from './presentation.js';

export type AuditRecord = {
  id: number;
  createdAt: Date;
  actor: { id: number; fullName: string; email: string } | null;
  action: string;
  actionLabel: string;
  /** `type #id` and JSON, for the CSV. */
  subject: string | null;
  details: string;
  /** For the page. */
  subjectLink: AuditSubject | null;
  detailLines: DetailLine[];
  ip: string | null;
};

function matching(filter: AuditFilter) {
  return (eb: ExpressionBuilder<Database, 'audit_log'>) => {
    const conditions = [];
    if (filter.staffId !== null) conditions.push(eb('audit_log.staff_id', '=', filter.staffId));
    if (filter.action) conditions.push(eb('audit_log.action', '=', filter.action));
    if (filter.from) conditions.push(eb('audit_log.created_at', '>=', dayStart(filter.from)));
    if (filter.to) conditions.push(eb('audit_log.created_at', '<', dayAfter(filter.to)));
    return eb.and(conditions);
  };
}

function entries(db: Kysely<Database>, filter: AuditFilter) {
  return db
    .selectFrom('audit_log')
    .where(matching(filter))
    .leftJoin('staff', 'staff.id', 'audit_log.staff_id')
    .select([
      'audit_log.id', 'audit_log.created_at', 'audit_log.action', 'audit_log.subject_type', 'audit_log.subject_id',
      'audit_log.details', 'audit_log.ip', 'audit_log.staff_id', 'staff.full_name', 'staff.email',
    ])
    .orderBy('audit_log.created_at', 'desc')
    .orderBy('audit_log.id', 'desc');
}

type EntryRow = Awaited<ReturnType<ReturnType<typeof entries>['execute']>>[number];

function toRecord(row: EntryRow): AuditRecord {
  return {
    id: row.id,
    createdAt: row.created_at,
    actor: row.staff_id !== null ? { id: row.staff_id, fullName: row.full_name ?? '', email: row.email ?? '' } : null,
    action: row.action,
    actionLabel: actionLabel(row.action),
    subject: row.subject_type === null ? null : `${row.subject_type} #${row.subject_id ?? ''}`,
    details: JSON.stringify(row.details),
    subjectLink: auditSubject(row.subject_type, row.subject_id, row.details),
    detailLines: detailLines(row.details),
    ip: row.ip,
  };
}

/** One page of the log, newest first, and how many entries match in all. */
export async function auditPage(db: Kysely<Database>, filter: AuditFilter, page: number, pageSize: number) {
  const [rows, counted] = await Promise.all([
    entries(db, filter).limit(pageSize).offset((page - 1) * pageSize).execute(),
    db.selectFrom('audit_log').where(matching(filter)).select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { records: rows.map(toRecord), total: Number(counted.total) };
}

/** Every matching entry, newest first, read in batches (for the CSV export). */
export async function* allAuditRecords(db: Kysely<Database>, filter: AuditFilter, batchSize = 1000): AsyncGenerator<AuditRecord> {
  let after: { createdAt: Date; id: number } | null = null;
  for (;;) {
    const cursor: { createdAt: Date; id: number } | null = after;
    const rows: EntryRow[] = await entries(db, filter)
      .$if(cursor !== null, (q) =>
        q.where((eb) => eb(eb.refTuple('audit_log.created_at', 'audit_log.id'), '<', eb.tuple(cursor!.createdAt, cursor!.id))),
      )
      .limit(batchSize)
      .execute();
    for (const row of rows) yield toRecord(row);
    if (rows.length < batchSize) return;
    const last = rows[rows.length - 1]!;
    after = { createdAt: last.created_at, id: last.id };
  }
}

/**
 * Every action the log has seen, in order. A loose index scan: one probe of
 * audit_log_action_idx per action, so the filter form costs the same however long
 * the log grows (a DISTINCT reads the whole table on every page view).
 */
export const auditActionsQuery = sql<{ action: string }>`
  with recursive seen(action) as (
    (select action from audit_log order by action limit 1)
    union all
    select (select a.action from audit_log a where a.action > seen.action order by a.action limit 1)
    from seen
    where seen.action is not null
  )
  select action from seen where action is not null`;

export async function auditActions(db: Kysely<Database>): Promise<{ action: string }[]> {
  return (await auditActionsQuery.execute(db)).rows;
}

/** The choices of the filter form: every staff member and every action seen so far. */
export async function auditFilterOptions(db: Kysely<Database>) {
  const [staff, actions] = await Promise.all([
    db.selectFrom('staff').select(['id', 'full_name', 'email']).orderBy('full_name').orderBy('id').execute(),
    auditActions(db),
  ]);
  return {
    staff: staff.map((s) => ({ id: s.id, label: `${s.full_name} (${s.email})` })),
    actions: actions.map((a) => ({ value: a.action, label: actionLabel(a.action) })),
  };
}
