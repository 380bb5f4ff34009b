import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { isUniqueViolation } from '../../db/index.js';
import { recordAudit } from '../../audit/writer.js';
import { sendEmailLater } from '../../messaging/service.js';
import { addMeter, recordVerification } from '../readings/meters.js';
import { keepFiles, type ReceivedFile } from '../identity/upload.js';
import type { DocumentFile } from '../identity/service.js';
import type { DocumentMime } from '../identity/tables.js';
import { RESOURCE_NAMES } from '../readings/rules.js';
import type { Resource } from '../readings/tables.js';
import type { MeterRequestKind, MeterRequestStatus } from './tables.js';
import { meterRequestApprovedEmail, meterRequestRejectedEmail } from './messages.js';
import type { CheckedRequest, WorkingMeter } from './rules.js';

// «Заявка на регистрацию счётчика»: a resident asks to register a new meter or a
// passed verification with the certificate; a moderator approves (the meter is
// added or its verification recorded, through the same code staff use) or rejects.

/** The working meters of an account, for the «прошёл поверку» choice. */
export async function workingMeters(db: Kysely<Database>, accountId: number): Promise<WorkingMeter[]> {
  const rows = await db
    .selectFrom('meters')
    .select(['id', 'resource', 'zones', 'serial_number'])
    .where('payer_account_id', '=', accountId)
    .where('active', '=', true)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, resource: r.resource, zones: r.zones, serialNumber: r.serial_number }));
}

/** Resources of the account with a request waiting for a decision. */
export async function waitingResources(db: Kysely<Database>, accountId: number): Promise<Resource[]> {
  const rows = await db.selectFrom('meter_requests').select('resource').where('payer_account_id', '=', accountId).where('status', '=', 'pending').execute();
  return rows.map((r) => r.resource);
}

/**
 * Files the request with its certificate: the row and the file are kept together or
 * not at all. 'waiting' when a request for the resource was filed meanwhile.
 */
export async function fileMeterRequest(
  db: Kysely<Database>,
  input: { accountId: number; residentId: number; request: CheckedRequest; certificate: ReceivedFile; now: Date },
): Promise<number | 'waiting'> {
  const r = input.request;
  const meter =
    r.kind === 'new'
      ? { resource: r.meter.resource, meter_id: null, zones: r.meter.zones, serial_number: r.meter.serialNumber, dated_on: r.meter.installedOn, next_verification_date: r.meter.nextVerificationDate, initial_t1: r.meter.initial[0] ?? null, initial_t2: r.meter.initial[1] ?? null, initial_t3: r.meter.initial[2] ?? null }
      : { resource: r.meter.resource, meter_id: r.meter.id, zones: r.meter.zones, serial_number: r.meter.serialNumber, dated_on: r.verifiedOn, next_verification_date: r.next, initial_t1: null, initial_t2: null, initial_t3: null };
  return keepFiles(db, [input.certificate], async (trx, [stored]) => {
    const row = await trx
      .insertInto('meter_requests')
      .values({
        payer_account_id: input.accountId,
        kind: r.kind,
        ...meter,
        file_id: stored!.fileId,
        original_name: stored!.originalName,
        mime_type: stored!.mime,
        size_bytes: stored!.size,
        sha256: stored!.sha256,
        submitted_by: input.residentId,
        submitted_at: input.now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }).catch((error: unknown) => (isUniqueViolation(error, 'meter_requests_one_pending_key') ? ('waiting' as const) : Promise.reject(error)));
}

export type MeterRequest = {
  id: number;
  accountId: number;
  payerCode: string;
  address: string;
  flat: string;
  kind: MeterRequestKind;
  resource: Resource;
  resourceName: string;
  meterId: number | null;
  zones: number;
  serialNumber: string;
  datedOn: string;
  nextVerificationDate: string;
  initial: number[];
  certificateName: string;
  certificateMime: DocumentMime;
  certificateSize: number;
  submittedBy: string;
  submittedAt: Date;
  status: MeterRequestStatus;
  decidedBy: string | null;
  decidedAt: Date | null;
  reason: string | null;
};

function requestsQuery(db: Kysely<Database>) {
  return db
    .selectFrom('meter_requests as m')
    .innerJoin('residents as r', 'r.id', 'm.submitted_by')
    .leftJoin('staff as s', 's.id', 'm.decided_by')
    .innerJoin('payer_accounts as pa', 'pa.id', 'm.payer_account_id')
    .innerJoin('premises as p', 'p.id', 'pa.premises_id')
    .innerJoin('buildings as b', 'b.id', 'p.building_id')
    .select([
      'm.id', 'm.payer_account_id', 'pa.payer_code', 'b.address', 'p.flat_number', 'm.kind', 'm.resource', 'm.meter_id', 'm.zones', 'm.serial_number', 'm.dated_on',
      'm.next_verification_date', 'm.initial_t1', 'm.initial_t2', 'm.initial_t3', 'm.original_name', 'm.mime_type', 'm.size_bytes', 'r.email', 'm.submitted_at', 'm.status', 's.full_name', 'm.decided_at', 'm.reason',
    ]);
}

type RequestRow = Awaited<ReturnType<ReturnType<typeof requestsQuery>['executeTakeFirstOrThrow']>>;

function toRequest(r: RequestRow): MeterRequest {
  return {
    id: r.id,
    accountId: r.payer_account_id,
    payerCode: r.payer_code,
    address: r.address,
    flat: r.flat_number,
    kind: r.kind,
    resource: r.resource,
    resourceName: RESOURCE_NAMES[r.resource],
    meterId: r.meter_id,
    zones: r.zones,
    serialNumber: r.serial_number,
    datedOn: r.dated_on,
    nextVerificationDate: r.next_verification_date,
    initial: [r.initial_t1, r.initial_t2, r.initial_t3].filter((v): v is number => v !== null).map(Number),
    certificateName: r.original_name,
    certificateMime: r.mime_type,
    certificateSize: r.size_bytes,
    submittedBy: r.email,
    submittedAt: r.submitted_at,
    status: r.status,
    decidedBy: r.full_name,
    decidedAt: r.decided_at,
    reason: r.reason,
  };
}

/** The account's requests, newest first (the resident's list). */
export async function meterRequestsOf(db: Kysely<Database>, accountId: number): Promise<MeterRequest[]> {
  const rows = await requestsQuery(db).where('m.payer_account_id', '=', accountId).orderBy('m.submitted_at', 'desc').orderBy('m.id', 'desc').limit(50).execute();
  return rows.map(toRequest);
}

/** Requests waiting for a moderator, oldest first. */
export async function pendingMeterRequests(db: Kysely<Database>): Promise<MeterRequest[]> {
  const rows = await requestsQuery(db).where('m.status', '=', 'pending').orderBy('m.submitted_at').orderBy('m.id').limit(100).execute();
  return rows.map(toRequest);
}

export async function meterRequest(db: Kysely<Database>, id: number): Promise<MeterRequest | null> {
  const row = await requestsQuery(db).where('m.id', '=', id).executeTakeFirst();
  return row ? toRequest(row) : null;
}

/** The certificate, scoped to an account the resident may see, or for staff. */
export async function meterRequestCertificate(db: Kysely<Database>, id: number, scope: { accountId: number } | 'staff'): Promise<DocumentFile | null> {
  let query = db.selectFrom('meter_requests').select(['id', 'original_name', 'mime_type', 'size_bytes', 'file_id']).where('id', '=', id);
  if (scope !== 'staff') query = query.where('payer_account_id', '=', scope.accountId);
  const row = await query.executeTakeFirst();
  return row ? { id: row.id, originalName: row.original_name, mime: row.mime_type, size: row.size_bytes, fileId: row.file_id, deletedAt: null } : null;
}

export type WithdrawResult = 'done' | 'not-found' | 'already-decided';

/**
 * The resident withdraws a request of their account while it waits; one a moderator
 * has decided stays as decided (the row is locked against a decision at the same moment).
 */
export async function withdrawMeterRequest(
  trx: Transaction<Database>,
  input: { id: number; accountId: number; residentId: number; now: Date; ip: string },
): Promise<WithdrawResult> {
  const locked = await trx
    .selectFrom('meter_requests')
    .select(['id', 'status'])
    .where('id', '=', input.id)
    .where('payer_account_id', '=', input.accountId)
    .forUpdate()
    .executeTakeFirst();
  if (!locked) return 'not-found';
  if (locked.status !== 'pending') return 'already-decided';
  await trx.updateTable('meter_requests').set({ status: 'withdrawn', decided_at: input.now }).where('id', '=', input.id).execute();
  await recordAudit(trx, {
    staffId: null,
    action: 'meter-request.withdrawn',
    subjectType: 'meter_request',
    subjectId: input.id,
    details: { residentId: input.residentId, accountId: input.accountId },
    ip: input.ip,
  });
  return 'done';
}

export type MeterDecision = { kind: 'approve' } | { kind: 'reject'; reason: string };

export type DecisionResult = 'done' | 'not-found' | 'already-decided' | { refused: string };

function describe(request: MeterRequest): string {
  return request.kind === 'new'
    ? `новый счётчик, ${request.resourceName.toLowerCase()}, № ${request.serialNumber}`
    : `поверка счётчика ${request.resourceName.toLowerCase()}, № ${request.serialNumber}`;
}

/**
 * Decides a waiting request; the first decision stands (the row is locked, so a
 * double post creates the meter once). Approval adds the meter or records the
 * verification as staff would, and is refused (the request stays waiting) when the
 * account changed meanwhile. Audited; the resident is emailed.
 */
export async function decideMeterRequest(
  trx: Transaction<Database>,
  input: { id: number; staffId: number; decision: MeterDecision; now: Date; ip: string },
): Promise<DecisionResult> {
  const locked = await trx.selectFrom('meter_requests').select(['id', 'status']).where('id', '=', input.id).forUpdate().executeTakeFirst();
  if (!locked) return 'not-found';
  if (locked.status !== 'pending') return 'already-decided';
  const request = (await meterRequest(trx, input.id))!;
  let resultMeterId: number | null = null;
  if (input.decision.kind === 'approve') {
    if (request.kind === 'new') {
      const meter = { resource: request.resource, zones: request.zones, serialNumber: request.serialNumber, installedOn: request.datedOn, nextVerificationDate: request.nextVerificationDate, initial: request.initial };
      resultMeterId = await addMeter(trx, { accountId: request.accountId, staffId: input.staffId, meter, ip: input.ip, requestId: request.id });
      if (resultMeterId === null) return { refused: 'На лицевом счёте уже есть работающий счётчик этого ресурса. Отклоните заявку с причиной или запишите замену.' };
    } else {
      const verified = await recordVerification(trx, { accountId: request.accountId, meterId: request.meterId!, staffId: input.staffId, verifiedOn: request.datedOn, next: request.nextVerificationDate, ip: input.ip });
      if (!verified) return { refused: 'Этот счётчик уже не работает на лицевом счёте (его заменили). Отклоните заявку с причиной.' };
      resultMeterId = request.meterId;
    }
  }
  const approve = input.decision.kind === 'approve';
  const reason = input.decision.kind === 'reject' ? input.decision.reason : null;
  await trx
    .updateTable('meter_requests')
    .set({ status: approve ? 'approved' : 'rejected', reason, decided_by: input.staffId, decided_at: input.now, result_meter_id: resultMeterId })
    .where('id', '=', input.id)
    .execute();
  await recordAudit(trx, {
    staffId: input.staffId,
    action: approve ? 'meter-request.approved' : 'meter-request.rejected',
    subjectType: 'meter_request',
    subjectId: input.id,
    details: { payerCode: request.payerCode, kind: request.kind, resource: request.resource, serial: request.serialNumber, ...(approve ? { meterId: resultMeterId } : { reason }) },
    ip: input.ip,
  });
  const about = { payerCode: request.payerCode, what: describe(request) };
  await sendEmailLater(trx, { to: request.submittedBy, ...(approve ? meterRequestApprovedEmail(about) : meterRequestRejectedEmail({ ...about, reason: reason ?? '' })) });
  return 'done';
}
