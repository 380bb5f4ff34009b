import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { recordAudit } from '../../audit/writer.js';
import type { AuditAction } from '../../audit/actions.js';
import { stripImageMetadata } from '../../lib/image-metadata.js';
import { sendEmailLater, sendSmsLater } from '../../messaging/service.js';
import { accessibleAccounts, can, type AccessibleAccount } from '../accounts/access.js';
import { KIND_LABELS as NOTICE_KIND_LABELS, RESOURCE_LABELS } from '../notices/rules.js';
import { storeUploadedFile, type ReceivedFile } from '../identity/upload.js';
import type { DocumentFile } from '../identity/service.js';
import { requestEmail, requestSms, type NotifiedChange } from './messages.js';
import { KIND_LABELS, OPEN_STATUSES, PLACE_LABELS, canMove, countdown, deadlineFor, describeNorm, isOpen, type Countdown } from './rules.js';
import type { PhotoMime, RequestEventKind, RequestKind, RequestPlace, RequestStatus } from './tables.js';

type Trx = Transaction<Database>;

// ---- Kinds and their deadlines (data)

export type KindInfo = { kind: RequestKind; label: string; deadlineMinutes: number; norm: string; emergency: boolean };

export async function requestKinds(db: Kysely<Database>): Promise<KindInfo[]> {
  const rows = await db.selectFrom('service_request_kinds').selectAll().orderBy('position').orderBy('kind').execute();
  return rows.map((row) => ({ kind: row.kind, label: KIND_LABELS[row.kind], deadlineMinutes: row.deadline_minutes, norm: describeNorm(row.deadline_minutes), emergency: row.emergency }));
}

// ---- Photos: checked by their bytes on upload, stripped of metadata, stored as identity scans are

export type CleanPhoto = ReceivedFile & { mime: PhotoMime };

/**
 * Rewrites each received photo without its metadata (EXIF with GPS, XMP, text
 * chunks) and records the size and hash of what will be stored. A photo whose
 * structure is broken is refused with the message for the field.
 */
export async function cleanPhotos(files: ReceivedFile[]): Promise<{ photos: CleanPhoto[]; error?: string }> {
  const photos: CleanPhoto[] = [];
  for (const file of files) {
    if (file.mime === 'application/pdf') return { photos, error: `Файл «${file.originalName}» не фотография JPEG или PNG.` };
    const stripped = stripImageMetadata(await readFile(file.tempPath), file.mime);
    if (!stripped) return { photos, error: `Файл «${file.originalName}» повреждён: откройте его на устройстве и сохраните снова.` };
    await writeFile(file.tempPath, stripped);
    photos.push({ ...file, mime: file.mime, size: stripped.length, sha256: createHash('sha256').update(stripped).digest('hex') });
  }
  return { photos };
}

async function storePhotos(trx: Trx, input: { requestId: number; eventId: number; photos: CleanPhoto[]; now: Date }) {
  for (const photo of input.photos) {
    await trx
      .insertInto('service_request_photos')
      .values({
        request_id: input.requestId,
        event_id: input.eventId,
        file_id: await storeUploadedFile(trx, photo.tempPath),
        original_name: photo.originalName,
        mime_type: photo.mime,
        size_bytes: photo.size,
        sha256: photo.sha256,
        created_at: input.now,
      })
      .execute();
  }
}

// ---- Requests as the pages see them

export type Request = {
  id: number;
  accountId: number;
  payerCode: string;
  address: string;
  flat: string;
  buildingId: number;
  residentId: number;
  residentEmail: string;
  kind: RequestKind;
  kindLabel: string;
  emergency: boolean;
  norm: string;
  place: RequestPlace;
  placeLabel: string;
  description: string;
  contactPhone: string;
  smsUpdates: boolean;
  status: RequestStatus;
  registeredAt: Date;
  deadlineAt: Date;
  overdueAt: Date | null;
  countdown: Countdown | null;
  crew: string | null;
  assignee: string | null;
  noticeId: number | null;
  closedAt: Date | null;
  rating: number | null;
  photoCount: number;
};

function requestsQuery(db: Kysely<Database>) {
  return db
    .selectFrom('service_requests as r')
    .innerJoin('service_request_kinds as k', 'k.kind', 'r.kind')
    .innerJoin('payer_accounts as pa', 'pa.id', 'r.payer_account_id')
    .innerJoin('premises as p', 'p.id', 'pa.premises_id')
    .innerJoin('buildings as b', 'b.id', 'r.building_id')
    .innerJoin('residents as res', 'res.id', 'r.resident_id')
    .leftJoin('staff as s', 's.id', 'r.assignee_id')
    .select([
      'r.id', 'r.payer_account_id', 'pa.payer_code', 'b.address', 'p.flat_number', 'r.building_id', 'r.resident_id', 'res.email as resident_email',
      'r.kind', 'k.emergency', 'k.deadline_minutes', 'r.place', 'r.description', 'r.contact_phone', 'r.sms_updates', 'r.status', 'r.registered_at',
      'r.deadline_at', 'r.overdue_at', 'r.crew', 's.full_name as assignee', 'r.notice_id', 'r.closed_at', 'r.rating',
      (eb) => eb.selectFrom('service_request_photos as ph').select(sql<number>`count(*)::int`.as('n')).whereRef('ph.request_id', '=', 'r.id').as('photo_count'),
    ]);
}

type RequestRow = Awaited<ReturnType<ReturnType<typeof requestsQuery>['executeTakeFirstOrThrow']>>;

function toRequest(row: RequestRow, now: Date): Request {
  return {
    id: row.id,
    accountId: row.payer_account_id,
    payerCode: row.payer_code,
    address: row.address,
    flat: row.flat_number,
    buildingId: row.building_id,
    residentId: row.resident_id,
    residentEmail: row.resident_email,
    kind: row.kind,
    kindLabel: KIND_LABELS[row.kind],
    emergency: row.emergency,
    norm: describeNorm(row.deadline_minutes),
    place: row.place,
    placeLabel: PLACE_LABELS[row.place],
    description: row.description,
    contactPhone: row.contact_phone,
    smsUpdates: row.sms_updates,
    status: row.status,
    registeredAt: row.registered_at,
    deadlineAt: row.deadline_at,
    overdueAt: row.overdue_at,
    countdown: isOpen(row.status) ? countdown(row.deadline_at, now) : null,
    crew: row.crew,
    assignee: row.assignee,
    noticeId: row.notice_id,
    closedAt: row.closed_at,
    rating: row.rating,
    photoCount: Number(row.photo_count ?? 0),
  };
}

export type Page<T> = { items: T[]; page: number; pages: number; total: number };

export const RESIDENT_PAGE_SIZE = 20;

/** The requests of every account the resident may see (own and shared), newest first. */
export async function residentRequests(db: Kysely<Database>, residentId: number, page: number, now: Date): Promise<Page<Request> & { accounts: AccessibleAccount[] }> {
  const accounts = await accessibleAccounts(db, residentId);
  if (accounts.length === 0) return { items: [], page: 1, pages: 1, total: 0, accounts };
  const ids = accounts.map((a) => a.id);
  const [rows, total] = await Promise.all([
    requestsQuery(db).where('r.payer_account_id', 'in', ids).orderBy('r.id', 'desc').limit(RESIDENT_PAGE_SIZE).offset((page - 1) * RESIDENT_PAGE_SIZE).execute(),
    db.selectFrom('service_requests').select(sql<number>`count(*)::int`.as('n')).where('payer_account_id', 'in', ids).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map((row) => toRequest(row, now)), page, pages: Math.max(1, Math.ceil(Number(total.n) / RESIDENT_PAGE_SIZE)), total: Number(total.n), accounts };
}

/**
 * One request, if it belongs to an account the resident may see, with the
 * resident's rights on that account; null (404) otherwise.
 */
export async function requestForResident(db: Kysely<Database>, residentId: number, id: number, now: Date): Promise<{ request: Request; account: AccessibleAccount } | null> {
  const row = await requestsQuery(db).where('r.id', '=', id).executeTakeFirst();
  if (!row) return null;
  const account = (await accessibleAccounts(db, residentId)).find((a) => a.id === row.payer_account_id);
  return account ? { request: toRequest(row, now), account } : null;
}

export async function requestById(db: Kysely<Database>, id: number, now: Date): Promise<Request | null> {
  const row = await requestsQuery(db).where('r.id', '=', id).executeTakeFirst();
  return row ? toRequest(row, now) : null;
}

/** The accounts on which this resident may file requests (owner, or co-owner beyond «Просмотр»). */
export function fileableAccounts(accounts: AccessibleAccount[]): AccessibleAccount[] {
  return accounts.filter((a) => can(a.rights, 'file-request'));
}

// ---- History and photos

export type HistoryEntry = { id: number; kind: RequestEventKind; status: RequestStatus | null; text: string | null; at: Date; who: Who; photos: DocumentFile[] };
export type Who = { type: 'resident'; residentId: number; email: string } | { type: 'staff'; name: string } | { type: 'system' };

export async function requestHistory(db: Kysely<Database>, requestId: number): Promise<HistoryEntry[]> {
  const [events, photos] = await Promise.all([
    db
      .selectFrom('service_request_events as e')
      .leftJoin('residents as r', 'r.id', 'e.resident_id')
      .leftJoin('staff as s', 's.id', 'e.staff_id')
      .select(['e.id', 'e.kind', 'e.status', 'e.text', 'e.created_at', 'e.resident_id', 'r.email', 's.full_name'])
      .where('e.request_id', '=', requestId)
      .orderBy('e.id')
      .execute(),
    requestPhotos(db, requestId),
  ]);
  return events.map((e) => ({
    id: e.id,
    kind: e.kind,
    status: e.status,
    text: e.text,
    at: e.created_at,
    who: e.resident_id !== null ? { type: 'resident', residentId: e.resident_id, email: e.email ?? '' } : e.full_name !== null ? { type: 'staff', name: e.full_name } : { type: 'system' },
    photos: photos.filter((p) => p.eventId === e.id),
  }));
}

type Photo = DocumentFile & { eventId: number };

async function requestPhotos(db: Kysely<Database>, requestId: number): Promise<Photo[]> {
  const rows = await db
    .selectFrom('service_request_photos')
    .select(['id', 'event_id', 'original_name', 'mime_type', 'size_bytes', 'file_id'])
    .where('request_id', '=', requestId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, eventId: r.event_id, originalName: r.original_name, mime: r.mime_type, size: r.size_bytes, fileId: r.file_id, deletedAt: null }));
}

/** A photo of this request (the caller has already scoped the request to who asks). */
export async function findPhoto(db: Kysely<Database>, requestId: number, photoId: number): Promise<DocumentFile | null> {
  const photo = (await requestPhotos(db, requestId)).find((p) => p.id === photoId);
  return photo ?? null;
}

async function photoCount(trx: Trx, requestId: number): Promise<number> {
  const row = await trx.selectFrom('service_request_photos').select(sql<number>`count(*)::int`.as('n')).where('request_id', '=', requestId).executeTakeFirstOrThrow();
  return Number(row.n);
}

// ---- Resident actions

type Actor = { residentId: number } | { staffId: number; ip: string };

async function addEvent(trx: Trx, requestId: number, actor: Actor | null, kind: RequestEventKind, now: Date, extra: { status?: RequestStatus; text?: string | null } = {}): Promise<number> {
  const row = await trx
    .insertInto('service_request_events')
    .values({
      request_id: requestId,
      kind,
      resident_id: actor && 'residentId' in actor ? actor.residentId : null,
      staff_id: actor && 'staffId' in actor ? actor.staffId : null,
      status: extra.status ?? null,
      text: extra.text ?? null,
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export type NewRequest = {
  residentId: number;
  account: AccessibleAccount;
  kind: RequestKind;
  place: RequestPlace;
  description: string;
  phone: string;
  smsUpdates: boolean;
  photos: CleanPhoto[];
  now: Date;
};

/** Registers a request with its deadline (from the kind's norm) and its photos. */
export async function fileRequest(trx: Trx, input: NewRequest): Promise<number> {
  const kind = await trx.selectFrom('service_request_kinds').select(['deadline_minutes', 'emergency']).where('kind', '=', input.kind).executeTakeFirstOrThrow();
  const building = await trx
    .selectFrom('payer_accounts as pa')
    .innerJoin('premises as p', 'p.id', 'pa.premises_id')
    .select('p.building_id')
    .where('pa.id', '=', input.account.id)
    .executeTakeFirstOrThrow();
  const request = await trx
    .insertInto('service_requests')
    .values({
      payer_account_id: input.account.id,
      building_id: building.building_id,
      resident_id: input.residentId,
      kind: input.kind,
      place: input.place,
      description: input.description,
      contact_phone: input.phone,
      sms_updates: kind.emergency && input.smsUpdates,
      registered_at: input.now,
      deadline_at: deadlineFor(input.now, kind.deadline_minutes),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const eventId = await addEvent(trx, request.id, { residentId: input.residentId }, 'registered', input.now, { status: 'registered' });
  await storePhotos(trx, { requestId: request.id, eventId, photos: input.photos, now: input.now });
  return request.id;
}

export async function addComment(trx: Trx, requestId: number, actor: Actor, text: string, now: Date): Promise<void> {
  await addEvent(trx, requestId, actor, 'comment', now, { text });
  if ('staffId' in actor) await audit(trx, actor, 'service-request.commented', requestId, {});
}

/** Adds photos unless the request would hold more than `max`; false when it would. */
export async function addPhotos(trx: Trx, input: { requestId: number; actor: Actor; photos: CleanPhoto[]; now: Date; max: number }): Promise<boolean> {
  await lockRequest(trx, input.requestId);
  if ((await photoCount(trx, input.requestId)) + input.photos.length > input.max) return false;
  const eventId = await addEvent(trx, input.requestId, input.actor, 'photo', input.now);
  await storePhotos(trx, { requestId: input.requestId, eventId, photos: input.photos, now: input.now });
  return true;
}

async function lockRequest(trx: Trx, requestId: number) {
  return trx.selectFrom('service_requests').select(['id', 'status', 'rating']).where('id', '=', requestId).forUpdate().executeTakeFirstOrThrow();
}

/** The resident withdraws an open request; false when it is no longer open. */
export async function withdrawRequest(trx: Trx, requestId: number, residentId: number, reason: string, now: Date): Promise<boolean> {
  const current = await lockRequest(trx, requestId);
  if (!canMove(current.status, 'withdrawn', 'resident')) return false;
  await trx.updateTable('service_requests').set({ status: 'withdrawn', closed_at: now }).where('id', '=', requestId).execute();
  await addEvent(trx, requestId, { residentId }, 'withdrawn', now, { status: 'withdrawn', text: reason === '' ? null : reason });
  return true;
}

/** Rates a done request once; false when it is not done or already rated. */
export async function rateRequest(trx: Trx, requestId: number, residentId: number, rating: number, comment: string, now: Date): Promise<boolean> {
  const current = await lockRequest(trx, requestId);
  if (current.status !== 'done' || current.rating !== null) return false;
  await trx.updateTable('service_requests').set({ rating, rated_at: now }).where('id', '=', requestId).execute();
  await addEvent(trx, requestId, { residentId }, 'rated', now, { text: `Оценка ${rating} из 5${comment === '' ? '' : `. ${comment}`}` });
  return true;
}

// ---- Dispatcher: the queue

export type QueueFilter = { buildingId: number | null; kind: RequestKind | null; status: RequestStatus | 'open' | 'all'; overdueOnly: boolean };
export const QUEUE_PAGE_SIZE = 25;

function queueConditions(filter: QueueFilter, now: Date) {
  const open = sql`r.status in ('registered', 'in_progress')`;
  const parts = [sql`true`];
  if (filter.buildingId !== null) parts.push(sql`r.building_id = ${filter.buildingId}`);
  if (filter.kind !== null) parts.push(sql`r.kind = ${filter.kind}`);
  if (filter.status === 'open') parts.push(open);
  else if (filter.status !== 'all') parts.push(sql`r.status = ${filter.status}`);
  if (filter.overdueOnly) parts.push(open, sql`r.deadline_at <= ${now}`);
  return sql<boolean>`${sql.join(parts, sql` and `)}`;
}

/**
 * The dispatcher's queue: open requests first, then by deadline (so the overdue
 * ones lead), id as the tie-breaker; filtered by building, kind and status.
 */
export async function requestQueue(db: Kysely<Database>, filter: QueueFilter, page: number, now: Date): Promise<Page<Request>> {
  const [rows, total] = await Promise.all([
    requestsQuery(db)
      .where(queueConditions(filter, now))
      .orderBy(sql`r.status in ('registered', 'in_progress')`, 'desc')
      .orderBy('r.deadline_at')
      .orderBy('r.id')
      .limit(QUEUE_PAGE_SIZE)
      .offset((page - 1) * QUEUE_PAGE_SIZE)
      .execute(),
    db.selectFrom('service_requests as r').select(sql<number>`count(*)::int`.as('n')).where(queueConditions(filter, now)).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map((row) => toRequest(row, now)), page, pages: Math.max(1, Math.ceil(Number(total.n) / QUEUE_PAGE_SIZE)), total: Number(total.n) };
}

/** Buildings that have requests, for the queue's filter. */
export async function requestBuildings(db: Kysely<Database>): Promise<{ id: number; address: string }[]> {
  return db
    .selectFrom('buildings as b')
    .select(['b.id', 'b.address'])
    .where((eb) => eb.exists(eb.selectFrom('service_requests as r').select('r.id').whereRef('r.building_id', '=', 'b.id')))
    .orderBy('b.address')
    .orderBy('b.id')
    .execute();
}

/** Registered requests nobody has taken yet, for the dispatcher's home. */
export async function countNewRequests(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('service_requests').select(sql<number>`count(*)::int`.as('n')).where('status', '=', 'registered').executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Open requests the overdue job has marked, for the dispatcher's home. */
export async function countOverdueRequests(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('service_requests')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('status', 'in', OPEN_STATUSES)
    .where('overdue_at', 'is not', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

// ---- Dispatcher: actions, each audited, each telling the resident what changed

type StaffActor = { staffId: number; ip: string };

async function audit(trx: Trx, actor: StaffActor, action: AuditAction, requestId: number, details: Record<string, unknown>) {
  await recordAudit(trx, { staffId: actor.staffId, action, subjectType: 'service_request', subjectId: requestId, details, ip: actor.ip });
}

async function notifyResident(trx: Trx, requestId: number, change: NotifiedChange, comment: string | null, publicUrl: string) {
  const row = await trx
    .selectFrom('service_requests as r')
    .innerJoin('residents as res', 'res.id', 'r.resident_id')
    .innerJoin('buildings as b', 'b.id', 'r.building_id')
    .select(['r.id', 'r.kind', 'r.crew', 'r.deadline_at', 'r.sms_updates', 'r.contact_phone', 'res.email', 'b.address'])
    .where('r.id', '=', requestId)
    .executeTakeFirstOrThrow();
  const request = { id: row.id, kind: row.kind, address: row.address, crew: row.crew, comment, deadlineAt: row.deadline_at };
  await sendEmailLater(trx, { to: row.email, ...requestEmail(change, request, publicUrl) });
  // sms_updates is only ever set for emergency kinds.
  if (row.sms_updates) await sendSmsLater(trx, { to: row.contact_phone, text: requestSms(change, request) });
}

/**
 * Takes a registered request into work with a crew, or changes the crew of one in
 * work. Returns what happened, or null when the request is already finished.
 */
export async function assignCrew(trx: Trx, requestId: number, crew: string, actor: StaffActor, now: Date, publicUrl: string): Promise<'taken' | 'crew' | null> {
  const current = await lockRequest(trx, requestId);
  if (current.status === 'registered') {
    await trx.updateTable('service_requests').set({ status: 'in_progress', crew, assignee_id: actor.staffId }).where('id', '=', requestId).execute();
    await addEvent(trx, requestId, actor, 'taken', now, { status: 'in_progress', text: `Бригада: ${crew}` });
    await audit(trx, actor, 'service-request.taken', requestId, { crew });
    await notifyResident(trx, requestId, 'taken', null, publicUrl);
    return 'taken';
  }
  if (current.status === 'in_progress') {
    await trx.updateTable('service_requests').set({ crew }).where('id', '=', requestId).execute();
    await addEvent(trx, requestId, actor, 'crew', now, { text: `Бригада: ${crew}` });
    await audit(trx, actor, 'service-request.crew-changed', requestId, { crew });
    return 'crew';
  }
  return null;
}

/**
 * Finishes or rejects a request with the dispatcher's comment and the result's
 * photos; false when the change is not allowed from the current status.
 */
export async function finishRequest(
  trx: Trx,
  input: { requestId: number; status: 'done' | 'rejected'; comment: string; photos: CleanPhoto[]; actor: StaffActor; now: Date; publicUrl: string; max: number },
): Promise<'ok' | 'not-allowed' | 'too-many-photos'> {
  const current = await lockRequest(trx, input.requestId);
  if (!canMove(current.status, input.status, 'dispatcher')) return 'not-allowed';
  if ((await photoCount(trx, input.requestId)) + input.photos.length > input.max) return 'too-many-photos';
  await trx
    .updateTable('service_requests')
    .set({ status: input.status, closed_at: input.now, assignee_id: sql`coalesce(assignee_id, ${input.actor.staffId})` })
    .where('id', '=', input.requestId)
    .execute();
  const eventId = await addEvent(trx, input.requestId, input.actor, 'status', input.now, { status: input.status, text: input.comment });
  await storePhotos(trx, { requestId: input.requestId, eventId, photos: input.photos, now: input.now });
  await audit(trx, input.actor, input.status === 'done' ? 'service-request.done' : 'service-request.rejected', input.requestId, { comment: input.comment, photos: input.photos.length });
  await notifyResident(trx, input.requestId, input.status, input.comment, input.publicUrl);
  return 'ok';
}

// ---- Links to outage notices

export type NoticeChoice = { id: number; title: string; startsAt: Date };

/** Published notices for the request's building: what the dispatcher may link it to. */
export async function noticesForBuilding(db: Kysely<Database>, buildingId: number): Promise<NoticeChoice[]> {
  const rows = await db
    .selectFrom('notices as n')
    .innerJoin('notice_buildings as nb', 'nb.notice_id', 'n.id')
    .select(['n.id', 'n.kind', 'n.resource', 'n.starts_at'])
    .where('nb.building_id', '=', buildingId)
    .where('n.status', '=', 'published')
    .orderBy('n.starts_at', 'desc')
    .orderBy('n.id', 'desc')
    .limit(20)
    .execute();
  return rows.map((n) => ({ id: n.id, title: `№ ${n.id}. ${NOTICE_KIND_LABELS[n.kind]}: ${RESOURCE_LABELS[n.resource].toLowerCase()}`, startsAt: n.starts_at }));
}

/** Links an open request to a published notice of its building; false when either does not fit. */
export async function linkToNotice(trx: Trx, requestId: number, noticeId: number, actor: StaffActor, now: Date): Promise<boolean> {
  const current = await trx.selectFrom('service_requests').select(['status', 'building_id']).where('id', '=', requestId).forUpdate().executeTakeFirstOrThrow();
  if (!isOpen(current.status)) return false;
  const notice = (await noticesForBuilding(trx, current.building_id)).find((n) => n.id === noticeId);
  if (!notice) return false;
  await trx.updateTable('service_requests').set({ notice_id: noticeId }).where('id', '=', requestId).execute();
  await addEvent(trx, requestId, actor, 'notice', now, { text: `Связана с объявлением ${notice.title}` });
  await audit(trx, actor, 'service-request.linked-to-notice', requestId, { noticeId });
  return true;
}

export type NoticeRequests = { notice: NoticeChoice & { status: string }; open: Request[]; closed: number };

/** A notice and the requests linked to it, for closing them together. */
export async function requestsOfNotice(db: Kysely<Database>, noticeId: number, now: Date): Promise<NoticeRequests | null> {
  const notice = await db.selectFrom('notices').select(['id', 'kind', 'resource', 'starts_at', 'status']).where('id', '=', noticeId).executeTakeFirst();
  if (!notice) return null;
  const rows = await requestsQuery(db).where('r.notice_id', '=', noticeId).orderBy('r.deadline_at').orderBy('r.id').execute();
  const all = rows.map((row) => toRequest(row, now));
  return {
    notice: { id: notice.id, title: `№ ${notice.id}. ${NOTICE_KIND_LABELS[notice.kind]}: ${RESOURCE_LABELS[notice.resource].toLowerCase()}`, startsAt: notice.starts_at, status: notice.status },
    open: all.filter((r) => isOpen(r.status)),
    closed: all.filter((r) => !isOpen(r.status)).length,
  };
}

/** Marks every open request linked to the notice done with one message; returns how many. */
export async function closeNoticeRequests(trx: Trx, noticeId: number, message: string, actor: StaffActor, now: Date, publicUrl: string): Promise<number> {
  const open = await trx
    .selectFrom('service_requests')
    .select('id')
    .where('notice_id', '=', noticeId)
    .where('status', 'in', OPEN_STATUSES)
    .orderBy('id')
    .forUpdate()
    .execute();
  for (const { id } of open) {
    await trx.updateTable('service_requests').set({ status: 'done', closed_at: now, assignee_id: sql`coalesce(assignee_id, ${actor.staffId})` }).where('id', '=', id).execute();
    await addEvent(trx, id, actor, 'status', now, { status: 'done', text: message });
    await notifyResident(trx, id, 'done', message, publicUrl);
  }
  await recordAudit(trx, { staffId: actor.staffId, action: 'service-request.closed-with-notice', subjectType: 'notice', subjectId: noticeId, details: { requests: open.map((r) => r.id), message }, ip: actor.ip });
  return open.length;
}

// ---- The overdue job

/**
 * Marks open requests past their deadline as overdue, once each, with an event in
 * their history. Safe to run twice: a marked request is not marked again.
 */
export async function markOverdueRequests(db: Kysely<Database>, now: Date): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const marked = await trx
      .updateTable('service_requests')
      .set({ overdue_at: now })
      .where('status', 'in', OPEN_STATUSES)
      .where('overdue_at', 'is', null)
      .where('deadline_at', '<=', now)
      .returning('id')
      .execute();
    if (marked.length > 0) {
      await trx
        .insertInto('service_request_events')
        .values(marked.map(({ id }) => ({ request_id: id, kind: 'overdue' as const, text: 'Срок по нормативу истёк', created_at: now })))
        .execute();
    }
    return marked.length;
  });
}
