import type { Kysely, Transaction } from 'kysely';
import { keepFiles, type ReceivedFile } from '../identity/upload.js';
import type { DocumentFile } from '../identity/service.js';
import { recordAudit } from '../../audit/writer.js';
import { sendEmailLater } from '../../messaging/service.js';
import type { DwellingRequestStatus } from './tables.js';
import { dwellingApprovedEmail, dwellingRejectedEmail } from './messages.js';
import type { Database } from '../../db/schema.js';
import { periodOf } from '../../lib/calendar.js';
import { firstPeriodOfChange } from './rules.js';

export type DwellingChange = {
  id: number;
  area: number;
  residentsCount: number;
  effectiveFrom: string;
  submittedAt: Date;
  submittedBy: string;
  comment: string | null;
  status: DwellingRequestStatus;
  decidedAt: Date | null;
  decidedBy: string | null;
  reason: string | null;
  /** The attached document's file name, if one was attached. */
  documentName: string | null;
};

export type Dwelling = {
  area: number;
  residentsCount: number;
  /** An approved change that applies from a later period. */
  upcoming: DwellingChange | null;
  /** A request waiting for staff. */
  pending: DwellingChange | null;
  history: DwellingChange[];
};

/**
 * The area and residents count that apply to `period`: the newest change effective
 * by then, or the registry's values when the owner never changed them.
 */
export async function dwellingFor(db: Kysely<Database>, accountId: number, period: string): Promise<{ area: number; residentsCount: number }> {
  const row = await db
    .selectFrom('payer_accounts as pa')
    .innerJoin('premises as p', 'p.id', 'pa.premises_id')
    .leftJoin(
      (eb) =>
        eb
          .selectFrom('dwelling_changes')
          .select(['payer_account_id', 'area', 'residents_count'])
          .where('payer_account_id', '=', accountId)
          .where('status', '=', 'approved')
          .where('effective_from', '<=', period)
          .orderBy('effective_from', 'desc')
          .orderBy('id', 'desc')
          .limit(1)
          .as('c'),
      (join) => join.onRef('c.payer_account_id', '=', 'pa.id'),
    )
    .select(['p.area as registry_area', 'p.residents_count as registry_residents', 'c.area', 'c.residents_count'])
    .where('pa.id', '=', accountId)
    .executeTakeFirstOrThrow();
  return { area: row.area ?? row.registry_area, residentsCount: row.residents_count ?? row.registry_residents };
}

export async function dwellingOf(db: Kysely<Database>, accountId: number, today: string): Promise<Dwelling> {
  const current = await dwellingFor(db, accountId, periodOf(today));
  const rows = await db
    .selectFrom('dwelling_changes as c')
    .innerJoin('residents as r', 'r.id', 'c.submitted_by')
    .leftJoin('staff as s', 's.id', 'c.decided_by')
    .leftJoin('dwelling_documents as d', 'd.dwelling_change_id', 'c.id')
    .select(['c.id', 'c.area', 'c.residents_count', 'c.effective_from', 'c.submitted_at', 'r.email', 'c.comment', 'c.status', 'c.decided_at', 's.full_name', 'c.reason', 'd.original_name as document_name'])
    .where('c.payer_account_id', '=', accountId)
    .orderBy('c.submitted_at', 'desc')
    .orderBy('c.id', 'desc')
    .execute();
  const history = rows.map(toChange);
  const upcoming = history.find((h) => h.status === 'approved' && h.effectiveFrom > periodOf(today)) ?? null;
  return { ...current, upcoming, pending: history.find((h) => h.status === 'pending') ?? null, history };
}

function toChange(r: {
  id: number; area: number; residents_count: number; effective_from: string; submitted_at: Date; email: string;
  comment: string | null; status: DwellingRequestStatus; decided_at: Date | null; full_name: string | null; reason: string | null; document_name: string | null;
}): DwellingChange {
  return {
    id: r.id,
    area: r.area,
    residentsCount: r.residents_count,
    effectiveFrom: r.effective_from,
    submittedAt: r.submitted_at,
    submittedBy: r.email,
    comment: r.comment,
    status: r.status,
    decidedAt: r.decided_at,
    decidedBy: r.full_name,
    reason: r.reason,
    documentName: r.document_name,
  };
}

/**
 * Files a request to change the area or residents count; one waits at a time per
 * account (a new one replaces the waiting one). Staff decide; see decideDwellingRequest.
 */
export async function requestDwellingChange(
  trx: Transaction<Database>,
  input: { accountId: number; residentId: number; area: number; residentsCount: number; comment: string; today: string; now: Date },
): Promise<void> {
  await trx.selectFrom('payer_accounts').select('id').where('id', '=', input.accountId).forUpdate().execute();
  await trx
    .updateTable('dwelling_changes')
    .set({ status: 'rejected', reason: 'Заменена новой заявкой жителя', decided_at: input.now })
    .where('payer_account_id', '=', input.accountId)
    .where('status', '=', 'pending')
    .execute();
  await trx
    .insertInto('dwelling_changes')
    .values({
      payer_account_id: input.accountId,
      area: input.area,
      residents_count: input.residentsCount,
      effective_from: firstPeriodOfChange(input.today),
      submitted_by: input.residentId,
      submitted_at: input.now,
      comment: input.comment === '' ? null : input.comment,
      status: 'pending',
    })
    .execute();
}

export type DwellingRequest = DwellingChange & { accountId: number; payerCode: string; address: string; flat: string; registryArea: number; registryResidents: number };

function requestsQuery(db: Kysely<Database>) {
  return db
    .selectFrom('dwelling_changes as c')
    .innerJoin('residents as r', 'r.id', 'c.submitted_by')
    .leftJoin('staff as s', 's.id', 'c.decided_by')
    .leftJoin('dwelling_documents as d', 'd.dwelling_change_id', 'c.id')
    .innerJoin('payer_accounts as pa', 'pa.id', 'c.payer_account_id')
    .innerJoin('premises as p', 'p.id', 'pa.premises_id')
    .innerJoin('buildings as b', 'b.id', 'p.building_id')
    .select([
      'c.id', 'c.area', 'c.residents_count', 'c.effective_from', 'c.submitted_at', 'r.email', 'c.comment', 'c.status', 'c.decided_at', 's.full_name', 'c.reason', 'd.original_name as document_name',
      'pa.id as account_id', 'pa.payer_code', 'b.address', 'p.flat_number', 'p.area as registry_area', 'p.residents_count as registry_residents',
    ]);
}

type RequestRow = Awaited<ReturnType<ReturnType<typeof requestsQuery>['executeTakeFirstOrThrow']>>;

function toRequest(r: RequestRow): DwellingRequest {
  return { ...toChange(r), accountId: r.account_id, payerCode: r.payer_code, address: r.address, flat: r.flat_number, registryArea: r.registry_area, registryResidents: r.registry_residents };
}

/** Requests waiting for staff, oldest first. */
export async function pendingDwellingRequests(db: Kysely<Database>): Promise<DwellingRequest[]> {
  const rows = await requestsQuery(db).where('c.status', '=', 'pending').orderBy('c.submitted_at').orderBy('c.id').limit(100).execute();
  return rows.map(toRequest);
}

export async function dwellingRequest(db: Kysely<Database>, id: number): Promise<DwellingRequest | null> {
  const row = await requestsQuery(db).where('c.id', '=', id).executeTakeFirst();
  return row ? toRequest(row) : null;
}

export type DwellingDecision = { kind: 'approve' } | { kind: 'reject'; reason: string };

/**
 * Approves (from the period after the decision) or rejects a waiting request; the
 * first decision stands. Audited, and the resident is emailed.
 */
export async function decideDwellingRequest(
  trx: Transaction<Database>,
  input: { id: number; staffId: number; decision: DwellingDecision; today: string; now: Date; ip: string },
): Promise<'done' | 'not-found' | 'already-decided'> {
  const approve = input.decision.kind === 'approve';
  const reason = input.decision.kind === 'reject' ? input.decision.reason : null;
  const effectiveFrom = firstPeriodOfChange(input.today);
  const row = await trx
    .updateTable('dwelling_changes')
    .set({ status: approve ? 'approved' : 'rejected', reason, decided_by: input.staffId, decided_at: input.now, ...(approve ? { effective_from: effectiveFrom } : {}) })
    .where('id', '=', input.id)
    .where('status', '=', 'pending')
    .returning('id')
    .executeTakeFirst();
  if (!row) return (await trx.selectFrom('dwelling_changes').select('id').where('id', '=', input.id).executeTakeFirst()) ? 'already-decided' : 'not-found';
  const request = (await dwellingRequest(trx, input.id))!;
  await recordAudit(trx, {
    staffId: input.staffId,
    action: approve ? 'dwelling-request.approved' : 'dwelling-request.rejected',
    subjectType: 'dwelling_change',
    subjectId: input.id,
    details: { payerCode: request.payerCode, area: request.area, residentsCount: request.residentsCount, ...(approve ? { effectiveFrom } : { reason }) },
    ip: input.ip,
  });
  const where = { payerCode: request.payerCode, address: request.address, flat: request.flat };
  await sendEmailLater(trx, {
    to: request.submittedBy,
    ...(approve ? dwellingApprovedEmail({ ...where, effectiveFrom }) : dwellingRejectedEmail({ ...where, reason: reason ?? '' })),
  });
  return 'done';
}

/**
 * Attaches the resident's document to the account's waiting request (one per
 * request), storing the checked file in the same transaction.
 */
export async function attachDwellingDocument(
  db: Kysely<Database>,
  input: { accountId: number; file: ReceivedFile; now: Date },
): Promise<'attached' | 'no-request' | 'already-attached'> {
  return keepFiles(db, [input.file], async (trx, [stored]) => {
    const pending = await trx
      .selectFrom('dwelling_changes as c')
      .leftJoin('dwelling_documents as d', 'd.dwelling_change_id', 'c.id')
      .select(['c.id', 'd.id as document_id'])
      .where('c.payer_account_id', '=', input.accountId)
      .where('c.status', '=', 'pending')
      .forUpdate('c')
      .executeTakeFirst();
    if (!pending) throw new Refused('no-request');
    if (pending.document_id !== null) throw new Refused('already-attached');
    await trx
      .insertInto('dwelling_documents')
      .values({ dwelling_change_id: pending.id, file_id: stored!.fileId, original_name: stored!.originalName, mime_type: stored!.mime, size_bytes: stored!.size, sha256: stored!.sha256, created_at: input.now })
      .execute();
    return 'attached' as const;
  }).catch((error: unknown) => {
    if (error instanceof Refused) return error.outcome;
    throw error;
  });
}

class Refused extends Error {
  constructor(readonly outcome: 'no-request' | 'already-attached') {
    super(outcome);
  }
}

/** The document of a request, scoped to an account the caller may see (residents) or to the request (staff). */
export async function dwellingDocument(db: Kysely<Database>, changeId: number, scope: { accountId: number } | 'staff'): Promise<DocumentFile | null> {
  let query = db
    .selectFrom('dwelling_documents as d')
    .innerJoin('dwelling_changes as c', 'c.id', 'd.dwelling_change_id')
    .select(['d.id', 'd.original_name', 'd.mime_type', 'd.size_bytes', 'd.file_id'])
    .where('d.dwelling_change_id', '=', changeId);
  if (scope !== 'staff') query = query.where('c.payer_account_id', '=', scope.accountId);
  const row = await query.executeTakeFirst();
  return row ? { id: row.id, originalName: row.original_name, mime: row.mime_type, size: row.size_bytes, fileId: row.file_id, deletedAt: null } : null;
}
