import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { accessibleBuildingIds, type BuildingIdsQuery } from '../accounts/access.js';
import { recordAudit } from '../../audit/writer.js';
import type { AuditAction } from '../../audit/actions.js';
import { addMonths, moscowMidnight } from '../../lib/calendar.js';
import { enqueueJob } from '../../jobs/outbox.js';
import type { JobContext } from '../../jobs/types.js';
import { noticeEmail } from './messages.js';
import {
  KIND_LABELS, REDUCTION_PERCENT_PER_HOUR, RESOURCE_LABELS, countedInterval, describeWhen, monthlyExcessHours, periodsOf, phaseOf, streetName, streetOf,
  type Interval, type NoticeInput, type Phase,
} from './rules.js';
import type { NoticeChange, NoticeKind, NoticeResource, NoticeStatus, NoticeTable } from './tables.js';

type Trx = Transaction<Database>;

// ---- Buildings

export type Building = { id: number; unom: number; address: string };
export type Street = { street: string; name: string; buildings: number };

const SEARCH_LIMIT = 20;

const escapeLike = (text: string) => text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);

/** The houses of a street ("г. Москва, ул. Тверская" → its "…, д. N" addresses), through the trigram index. */
function streetPattern(street: string): string {
  return `${escapeLike(street)}, д. %`;
}

function likePattern(text: string): string {
  return `%${escapeLike(text)}%`;
}

/**
 * Buildings whose address contains the text (trigram index on lower(address)), or
 * the building with that unom; and the streets among them, to pick a whole street.
 */
export async function searchBuildings(db: Kysely<Database>, q: string): Promise<{ buildings: Building[]; streets: Street[]; more: boolean }> {
  const text = q.trim().slice(0, 200);
  if (text.length < 2 && !/^\d+$/.test(text)) return { buildings: [], streets: [], more: false };
  let query = db.selectFrom('buildings').select(['id', 'unom', 'address']);
  query = /^\d{1,9}$/.test(text) ? query.where('unom', '=', Number(text)) : query.where(sql<string>`lower(address)`, 'like', likePattern(text));
  const rows = await query.orderBy('address').orderBy('id').limit(SEARCH_LIMIT + 1).execute();
  const buildings = rows.slice(0, SEARCH_LIMIT);
  const streetNames = [...new Set(buildings.map((b) => streetOf(b.address)).filter((s): s is string => s !== null))];
  const counts =
    streetNames.length === 0
      ? []
      : await db
          .selectFrom('buildings')
          .select((eb) => [sql<string>`split_part(address, ', д. ', 1)`.as('street'), eb.fn.countAll<number>().as('count')])
          .where((eb) => eb.or(streetNames.map((street) => eb(sql<string>`lower(address)`, 'like', streetPattern(street)))))
          .groupBy(sql`split_part(address, ', д. ', 1)`)
          .execute();
  const streets = counts
    .filter((c) => Number(c.count) > 1)
    .map((c) => ({ street: c.street, name: streetName(c.street), buildings: Number(c.count) }))
    .sort((a, b) => a.street.localeCompare(b.street));
  return { buildings, streets, more: rows.length > SEARCH_LIMIT };
}

export async function buildingsByIds(db: Kysely<Database>, ids: number[]): Promise<Building[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('buildings').select(['id', 'unom', 'address']).where('id', 'in', ids).orderBy('address').orderBy('id').execute();
}

/** Every building of a street, as `streetOf` names it ("г. Москва, ул. Тверская"). */
export async function buildingsOnStreet(db: Kysely<Database>, streets: string[]): Promise<Building[]> {
  if (streets.length === 0) return [];
  return db
    .selectFrom('buildings')
    .select(['id', 'unom', 'address'])
    .where((eb) => eb.or(streets.map((street) => eb(sql<string>`lower(address)`, 'like', streetPattern(street)))))
    .orderBy('address')
    .orderBy('id')
    .execute();
}

// ---- Notices as the pages see them

export type Notice = {
  id: number;
  kind: NoticeKind;
  kindLabel: string;
  resource: NoticeResource;
  resourceLabel: string;
  startsAt: Date;
  endsAt: Date | null;
  actualEndAt: Date | null;
  status: NoticeStatus;
  supplier: string;
  reason: string;
  body: string;
  withdrawalReason: string | null;
  longOutageConfirmed: boolean;
  version: number;
  updatedAt: Date;
  phase: Phase;
  when: string;
  buildings: Building[];
};

type NoticeRow = Selectable<NoticeTable>;

function effectiveEnd(row: NoticeRow): Date | null {
  return row.status === 'closed' ? row.actual_end_at : row.ends_at;
}

function toNotice(row: NoticeRow, buildings: Building[], now: Date): Notice {
  const end = effectiveEnd(row);
  return {
    id: row.id,
    kind: row.kind,
    kindLabel: KIND_LABELS[row.kind],
    resource: row.resource,
    resourceLabel: RESOURCE_LABELS[row.resource],
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    actualEndAt: row.actual_end_at,
    status: row.status,
    supplier: row.supplier,
    reason: row.reason,
    body: row.body,
    withdrawalReason: row.withdrawal_reason,
    longOutageConfirmed: row.long_outage_confirmed,
    version: row.version,
    updatedAt: row.updated_at,
    phase: row.status === 'withdrawn' ? 'past' : phaseOf(row.starts_at, end, now),
    when: describeWhen(row.starts_at, end, now),
    buildings,
  };
}

function noticeBuildingsQuery(db: Kysely<Database>) {
  return db
    .selectFrom('notice_buildings as nb')
    .innerJoin('buildings as b', 'b.id', 'nb.building_id')
    .select(['nb.notice_id', 'b.id', 'b.unom', 'b.address'])
    .orderBy('b.address')
    .orderBy('b.id');
}

type NoticeBuildingRow = { notice_id: number; id: number; unom: number; address: string };

function byNotice(rows: NoticeBuildingRow[]): Map<number, Building[]> {
  const buildings = new Map<number, Building[]>();
  for (const r of rows) {
    const list = buildings.get(r.notice_id) ?? [];
    list.push({ id: r.id, unom: r.unom, address: r.address });
    buildings.set(r.notice_id, list);
  }
  return buildings;
}

/** The buildings of each notice, in one query. */
async function buildingsOf(db: Kysely<Database>, noticeIds: number[]): Promise<Map<number, Building[]>> {
  if (noticeIds.length === 0) return new Map();
  return byNotice(await noticeBuildingsQuery(db).where('nb.notice_id', 'in', noticeIds).execute());
}

async function withBuildings(db: Kysely<Database>, rows: NoticeRow[], now: Date, onlyBuildings?: Set<number>): Promise<Notice[]> {
  const buildings = await buildingsOf(db, rows.map((r) => r.id));
  return rows.map((r) => toNotice(r, (buildings.get(r.id) ?? []).filter((b) => !onlyBuildings || onlyBuildings.has(b.id)), now));
}

export async function noticeById(db: Kysely<Database>, id: number, now: Date): Promise<Notice | null> {
  const row = await db.selectFrom('notices').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? ((await withBuildings(db, [row], now))[0] ?? null) : null;
}

export type NoticeHistoryEntry = { version: number; change: NoticeChange; staff: string; at: Date; recipients: number; sent: number };

const CHANGE_LABELS: Record<NoticeChange, string> = {
  published: 'Опубликовано',
  updated: 'Изменено',
  extended: 'Продлено',
  closed: 'Закрыто',
  withdrawn: 'Отозвано',
};

export async function noticeHistory(db: Kysely<Database>, id: number): Promise<(NoticeHistoryEntry & { label: string })[]> {
  const rows = await db
    .selectFrom('notice_versions as v')
    .innerJoin('staff as s', 's.id', 'v.staff_id')
    .leftJoin('notice_deliveries as d', 'd.notice_version_id', 'v.id')
    .select((eb) => [
      'v.version', 'v.change', 's.full_name', 'v.created_at',
      eb.fn.count<number>('d.id').as('recipients'),
      eb.fn.count<number>('d.sent_at').as('sent'),
    ])
    .where('v.notice_id', '=', id)
    .groupBy(['v.id', 's.full_name'])
    .orderBy('v.version', 'desc')
    .execute();
  return rows.map((r) => ({
    version: r.version, change: r.change, label: CHANGE_LABELS[r.change], staff: r.full_name, at: r.created_at,
    recipients: Number(r.recipients), sent: Number(r.sent),
  }));
}

const PAST_LIMIT = 20;

/** Notices, optionally only those for some buildings. */
function noticesIn(db: Kysely<Database>, buildingIds?: number[] | BuildingIdsQuery) {
  let q = db.selectFrom('notices as n').selectAll('n');
  if (buildingIds) {
    q = q.where((eb) => eb.exists(eb.selectFrom('notice_buildings as nb').select('nb.notice_id').whereRef('nb.notice_id', '=', 'n.id').where('nb.building_id', 'in', buildingIds)));
  }
  return q;
}

/** Published notices on now or later, in the order they start. */
function openNoticesIn(db: Kysely<Database>, now: Date, buildingIds?: number[] | BuildingIdsQuery) {
  return noticesIn(db, buildingIds)
    .where('n.status', '=', 'published')
    .where((eb) => eb.or([eb('n.ends_at', 'is', null), eb('n.ends_at', '>', now)]))
    .orderBy('n.starts_at')
    .orderBy('n.id');
}

/** Published notices on now or later, and the latest finished ones; optionally only for some buildings. */
async function noticeLists(db: Kysely<Database>, now: Date, buildingIds?: number[]): Promise<{ current: Notice[]; upcoming: Notice[]; past: Notice[] }> {
  if (buildingIds && buildingIds.length === 0) return { current: [], upcoming: [], past: [] };
  const [open, past] = await Promise.all([
    openNoticesIn(db, now, buildingIds).execute(),
    noticesIn(db, buildingIds)
      .where((eb) => eb.or([eb('n.status', '!=', 'published'), eb('n.ends_at', '<=', now)]))
      .orderBy(sql`coalesce(n.actual_end_at, n.ends_at, n.updated_at)`, 'desc')
      .orderBy('n.id', 'desc')
      .limit(PAST_LIMIT)
      .execute(),
  ]);
  const notices = await withBuildings(db, [...open, ...past], now, buildingIds ? new Set(buildingIds) : undefined);
  const byId = (rows: NoticeRow[]) => rows.map((r) => notices.find((n) => n.id === r.id)!);
  const openNotices = byId(open);
  return {
    current: openNotices.filter((n) => n.phase === 'current'),
    upcoming: openNotices.filter((n) => n.phase === 'upcoming'),
    past: byId(past),
  };
}

/** The back office's list: every notice on now, upcoming, and the latest past ones. */
export function staffNoticeLists(db: Kysely<Database>, now: Date) {
  return noticeLists(db, now);
}

/** The buildings of the payer accounts a resident may see (own links and co-owner grants). */
export async function residentBuildingIds(db: Kysely<Database>, residentId: number): Promise<number[]> {
  const rows = await accessibleBuildingIds(db, residentId).distinct().execute();
  return rows.map((r) => r.building_id);
}

/** «Объявления» for a resident: only the buildings of their accounts (null: no account linked). */
export async function residentNotices(db: Kysely<Database>, residentId: number, now: Date) {
  const buildingIds = await residentBuildingIds(db, residentId);
  if (buildingIds.length === 0) return null;
  return noticeLists(db, now, buildingIds);
}

/**
 * The banner on «Главная»: notices on now for the buildings of the resident's accounts,
 * each with those of its buildings that are the resident's. Reads for readTogether.
 */
export function activeNoticeReads(db: Kysely<Database>, residentId: number, now: Date) {
  const buildingIds = accessibleBuildingIds(db, residentId);
  const open = openNoticesIn(db, now, buildingIds);
  return {
    notices: open,
    noticeBuildings: noticeBuildingsQuery(db)
      .where('nb.building_id', 'in', buildingIds)
      .where('nb.notice_id', 'in', open.clearSelect().clearOrderBy().select('n.id')),
  };
}

export function activeNotices(rows: { notices: NoticeRow[]; noticeBuildings: NoticeBuildingRow[] }, now: Date): Notice[] {
  const buildings = byNotice(rows.noticeBuildings);
  return rows.notices.map((r) => toNotice(r, buildings.get(r.id) ?? [], now)).filter((n) => n.phase === 'current');
}

/** The public look-up: one building by unom, with its current and upcoming notices. */
export async function publicBuildingNotices(db: Kysely<Database>, unom: number, now: Date) {
  const building = await db.selectFrom('buildings').select(['id', 'unom', 'address']).where('unom', '=', unom).executeTakeFirst();
  if (!building) return null;
  const lists = await noticeLists(db, now, [building.id]);
  return { building, current: lists.current, upcoming: lists.upcoming };
}

// ---- Changes: each one a new version, audited, emailed through jobs

type Actor = { staffId: number; ip: string; now: Date; publicUrl: string };

const AUDIT: Record<NoticeChange, AuditAction> = {
  published: 'notice.published',
  updated: 'notice.updated',
  extended: 'notice.extended',
  closed: 'notice.closed',
  withdrawn: 'notice.withdrawn',
};

/** Writes the version with its email, audits it and asks for the fan-out, all in the caller's transaction. */
async function recordVersion(trx: Trx, noticeId: number, change: NoticeChange, actor: Actor, details: Record<string, unknown>): Promise<void> {
  const row = await trx.selectFrom('notices').selectAll().where('id', '=', noticeId).executeTakeFirstOrThrow();
  const addresses = await trx
    .selectFrom('notice_buildings as nb')
    .innerJoin('buildings as b', 'b.id', 'nb.building_id')
    .select('b.address')
    .where('nb.notice_id', '=', noticeId)
    .orderBy('b.address')
    .execute();
  const email = noticeEmail(
    change,
    {
      kind: row.kind, resource: row.resource, startsAt: row.starts_at, endsAt: row.ends_at, actualEndAt: row.actual_end_at,
      supplier: row.supplier, reason: row.reason, body: row.body, withdrawalReason: row.withdrawal_reason,
      addresses: addresses.map((a) => a.address),
    },
    actor.publicUrl,
  );
  const version = await trx
    .insertInto('notice_versions')
    .values({ notice_id: noticeId, version: row.version, change, staff_id: actor.staffId, subject: email.subject, text: email.text, html: email.html, created_at: actor.now })
    .returning('id')
    .executeTakeFirstOrThrow();
  await recordAudit(trx, { staffId: actor.staffId, action: AUDIT[change], subjectType: 'notice', subjectId: noticeId, details: { version: row.version, ...details }, ip: actor.ip });
  // Closing only records the end; residents were told of the outage already.
  if (change !== 'closed') await enqueueJob(trx, NOTICE_FANOUT_JOB, { versionId: version.id });
}

function noticeValues(input: NoticeInput) {
  return {
    kind: input.kind,
    resource: input.resource,
    starts_at: input.startsAt,
    ends_at: input.endsAt,
    supplier: input.supplier,
    reason: input.reason,
    body: input.body,
    long_outage_confirmed: input.longOutageConfirmed,
  };
}

export async function publishNotice(trx: Trx, input: NoticeInput, actor: Actor): Promise<number> {
  const notice = await trx
    .insertInto('notices')
    .values({ ...noticeValues(input), created_by: actor.staffId, created_at: actor.now, updated_at: actor.now })
    .returning('id')
    .executeTakeFirstOrThrow();
  await trx.insertInto('notice_buildings').values(input.buildingIds.map((building_id) => ({ notice_id: notice.id, building_id }))).execute();
  await recordVersion(trx, notice.id, 'published', actor, { buildings: input.buildingIds.length });
  return notice.id;
}

/** Locks a published notice for a change; null when it is closed, withdrawn or unknown. */
async function lockPublished(trx: Trx, id: number): Promise<NoticeRow | null> {
  const row = await trx.selectFrom('notices').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  return row && row.status === 'published' ? row : null;
}

export async function updateNotice(trx: Trx, id: number, input: NoticeInput, actor: Actor): Promise<boolean> {
  if (!(await lockPublished(trx, id))) return false;
  await trx.updateTable('notices').set({ ...noticeValues(input), version: sql`version + 1`, updated_at: actor.now }).where('id', '=', id).execute();
  await trx.deleteFrom('notice_buildings').where('notice_id', '=', id).execute();
  await trx.insertInto('notice_buildings').values(input.buildingIds.map((building_id) => ({ notice_id: id, building_id }))).execute();
  await recordVersion(trx, id, 'updated', actor, { buildings: input.buildingIds.length });
  return true;
}

export async function extendNotice(trx: Trx, id: number, endsAt: Date, actor: Actor): Promise<boolean> {
  const row = await lockPublished(trx, id);
  if (!row) return false;
  await trx.updateTable('notices').set({ ends_at: endsAt, version: sql`version + 1`, updated_at: actor.now }).where('id', '=', id).execute();
  await recordVersion(trx, id, 'extended', actor, { from: row.ends_at?.toISOString() ?? null, to: endsAt.toISOString() });
  return true;
}

export async function withdrawNotice(trx: Trx, id: number, reason: string, actor: Actor): Promise<boolean> {
  if (!(await lockPublished(trx, id))) return false;
  await trx.updateTable('notices').set({ status: 'withdrawn', withdrawal_reason: reason, version: sql`version + 1`, updated_at: actor.now }).where('id', '=', id).execute();
  await recordVersion(trx, id, 'withdrawn', actor, { reason });
  return true;
}

/** Records the actual end, then the hours beyond the allowance it leaves for the next bills. */
export async function closeNotice(trx: Trx, id: number, actualEndAt: Date, actor: Actor): Promise<boolean> {
  if (!(await lockPublished(trx, id))) return false;
  await trx.updateTable('notices').set({ status: 'closed', actual_end_at: actualEndAt, version: sql`version + 1`, updated_at: actor.now }).where('id', '=', id).execute();
  await recordVersion(trx, id, 'closed', actor, { actualEndAt: actualEndAt.toISOString() });
  await recordExcessHours(trx, id, actor.now);
  return true;
}

// ---- Excess interruption hours

/**
 * For each building and month the closed notice touches: the month's excess from
 * every closed notice of that resource on the building, less what earlier notices
 * already carry, is this notice's share. So the shares add up to the month's excess.
 */
export async function recordExcessHours(trx: Trx, noticeId: number, now: Date): Promise<void> {
  const notice = await trx.selectFrom('notices').selectAll().where('id', '=', noticeId).executeTakeFirstOrThrow();
  if (notice.status !== 'closed' || !notice.actual_end_at) return;
  const own = countedInterval(notice.kind, notice.resource, notice.starts_at, notice.actual_end_at);
  if (!own) return;
  const periods = periodsOf(own);
  const buildingIds = (await trx.selectFrom('notice_buildings').select('building_id').where('notice_id', '=', noticeId).execute()).map((r) => r.building_id);
  if (buildingIds.length === 0) return;
  const others = await trx
    .selectFrom('notices as n')
    .innerJoin('notice_buildings as nb', 'nb.notice_id', 'n.id')
    .select(['n.id', 'n.kind', 'n.starts_at', 'n.actual_end_at', 'nb.building_id'])
    .where('n.status', '=', 'closed')
    .where('n.resource', '=', notice.resource)
    .where('nb.building_id', 'in', buildingIds)
    .where('n.actual_end_at', '>', moscowMidnight(periods[0]!))
    .where('n.starts_at', '<', moscowMidnight(addMonths(periods[periods.length - 1]!, 1)))
    .execute();
  const recorded = await trx
    .selectFrom('outage_excess_hours')
    .select(['building_id', 'period', (eb) => eb.fn.sum<number>('excess_hours').as('hours')])
    .where('building_id', 'in', buildingIds)
    .where('service', '=', notice.resource)
    .where('period', 'in', periods)
    .where('notice_id', '!=', noticeId)
    .groupBy(['building_id', 'period'])
    .execute();
  const rows = [];
  for (const buildingId of buildingIds) {
    const intervals = others
      .filter((o) => o.building_id === buildingId && o.actual_end_at)
      .map((o) => countedInterval(o.kind, notice.resource, o.starts_at, o.actual_end_at!))
      .filter((i): i is Interval => i !== null);
    for (const period of periods) {
      const total = monthlyExcessHours(notice.resource, intervals, period);
      const already = Number(recorded.find((r) => r.building_id === buildingId && r.period === period)?.hours ?? 0);
      const share = Math.round((total - already) * 100) / 100;
      if (share > 0) rows.push({ notice_id: noticeId, building_id: buildingId, service: notice.resource, period, excess_hours: share, created_at: now });
    }
  }
  if (rows.length > 0) await trx.insertInto('outage_excess_hours').values(rows).onConflict((oc) => oc.doNothing()).execute();
  await queueOutageRecalculations(trx, noticeId);
}

/**
 * Hands the notice's excess hours to the next bill run of every account in its
 * buildings (the billing feature's pending recalculations): the run lowers that
 * month's charge for the service by 0.15 % per hour. The source key makes it once.
 */
async function queueOutageRecalculations(trx: Trx, noticeId: number): Promise<void> {
  const excess = await excessHoursQuery(trx).where('e.notice_id', '=', noticeId).execute();
  if (excess.length === 0) return;
  await trx
    .insertInto('pending_recalculations')
    .values(
      excess.map(toExcessOutageHours).map((e) => ({
        payer_account_id: e.payerAccountId,
        service: e.service,
        period: e.period,
        reason: e.reason,
        excess_hours: e.excessHours,
        percent_per_hour: REDUCTION_PERCENT_PER_HOUR,
        source_key: `notice:${e.noticeId}:account:${e.payerAccountId}:${e.service}:${e.period}`,
      })),
    )
    .onConflict((oc) => oc.column('source_key').doNothing())
    .execute();
}

export type ExcessOutageHours = {
  payerAccountId: number;
  /** The bill line's service key (hot_water, cold_water, electricity, gas, heating). */
  service: string;
  period: string;
  excessHours: number;
  noticeId: number;
  /** The recalculation reason for the bill line. */
  reason: string;
};

/**
 * The pending recalculations for one billing period (its first day): for every payer
 * account in a building a closed notice left excess hours on, per service and notice.
 * The bill run lowers that month's charge for the service by 0.15 % per hour
 * (queued by `queueOutageRecalculations`).
 */
export async function excessOutageHoursFor(db: Kysely<Database>, period: string): Promise<ExcessOutageHours[]> {
  const rows = await excessHoursQuery(db).where('e.period', '=', period).execute();
  return rows.map(toExcessOutageHours);
}

function excessHoursQuery(db: Kysely<Database>) {
  return db
    .selectFrom('outage_excess_hours as e')
    .innerJoin('notices as n', 'n.id', 'e.notice_id')
    .innerJoin('premises as p', 'p.building_id', 'e.building_id')
    .innerJoin('payer_accounts as pa', 'pa.premises_id', 'p.id')
    .select(['pa.id as payer_account_id', 'e.service', 'e.period', 'e.excess_hours', 'e.notice_id', 'n.kind', 'n.resource'])
    .orderBy('pa.id')
    .orderBy('e.service')
    .orderBy('e.notice_id')
    .orderBy('e.period');
}

type ExcessRow = Awaited<ReturnType<ReturnType<typeof excessHoursQuery>['execute']>>[number];

function toExcessOutageHours(r: ExcessRow): ExcessOutageHours {
  return {
    payerAccountId: r.payer_account_id,
    service: r.service,
    period: r.period,
    excessHours: Number(r.excess_hours),
    noticeId: r.notice_id,
    reason: `Перерыв сверх допустимого: ${KIND_LABELS[r.kind].toLowerCase()} (${RESOURCE_LABELS[r.resource].toLowerCase()}), объявление № ${r.notice_id}, ${Number(r.excess_hours).toLocaleString('ru-RU')} ч`,
  };
}

// ---- Email fan-out

export const NOTICE_FANOUT_JOB = 'notice-fanout';
export const NOTICE_EMAIL_BATCH_JOB = 'notice-email-batch';
const BATCH_SIZE = 500;
const SEND_CHUNK = 50;

/**
 * Lists who a version must reach (one delivery row per resident, the unique key
 * keeps it so) and asks for one batch job per 500 of them. Runs once per version:
 * `fanned_out_at` is set in the same transaction, so a rerun finds nothing to do.
 */
export async function fanOutNoticeVersion(db: Kysely<Database>, versionId: number, now: Date): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const version = await trx
      .updateTable('notice_versions')
      .set({ fanned_out_at: now })
      .where('id', '=', versionId)
      .where('fanned_out_at', 'is', null)
      .returning(['notice_id'])
      .executeTakeFirst();
    if (!version) return 0;
    const linked = trx
      .selectFrom('notice_buildings as nb')
      .innerJoin('premises as p', 'p.building_id', 'nb.building_id')
      .innerJoin('payer_accounts as pa', 'pa.premises_id', 'p.id')
      .innerJoin('account_links as l', 'l.payer_account_id', 'pa.id')
      .select('l.resident_id')
      .where('nb.notice_id', '=', version.notice_id)
      .where('l.status', '=', 'approved');
    const coOwners = trx
      .selectFrom('notice_buildings as nb')
      .innerJoin('premises as p', 'p.building_id', 'nb.building_id')
      .innerJoin('payer_accounts as pa', 'pa.premises_id', 'p.id')
      .innerJoin('co_owner_grants as g', 'g.payer_account_id', 'pa.id')
      .select(sql<number>`g.accepted_by`.as('resident_id'))
      .where('nb.notice_id', '=', version.notice_id)
      .where('g.accepted_by', 'is not', null)
      .where('g.revoked_at', 'is', null);
    await trx
      .insertInto('notice_deliveries')
      .columns(['notice_version_id', 'resident_id'])
      .expression(
        trx
          .selectFrom(linked.union(coOwners).as('r'))
          .select([sql<number>`${versionId}::int`.as('notice_version_id'), 'r.resident_id'])
          .where((eb) => eb.not(eb.exists(eb.selectFrom('notice_email_opt_outs as o').select('o.resident_id').whereRef('o.resident_id', '=', 'r.resident_id')))),
      )
      .onConflict((oc) => oc.doNothing())
      .execute();
    const batches = await sql<{ from_id: number; to_id: number }>`
      select min(resident_id)::int as from_id, max(resident_id)::int as to_id
      from (select resident_id, (row_number() over (order by resident_id) - 1) / ${BATCH_SIZE} as batch
            from notice_deliveries where notice_version_id = ${versionId}) numbered
      group by batch order by batch`.execute(trx);
    for (const b of batches.rows) await enqueueJob(trx, NOTICE_EMAIL_BATCH_JOB, { versionId, fromResidentId: b.from_id, toResidentId: b.to_id });
    return batches.rows.length;
  });
}

export type EmailBatch = { versionId: number; fromResidentId: number; toResidentId: number };

/**
 * Sends the unsent emails of one batch, 50 at a time. Each chunk is locked
 * (skip locked: a duplicate job runs past it), sent, and recorded as sent in one
 * transaction, so a delivery is recorded exactly once. A worker that dies mid-chunk
 * rolls the chunk back and the retry sends it again.
 */
export async function sendNoticeEmailBatch(batch: EmailBatch, ctx: Pick<JobContext, 'db' | 'clock' | 'transports'>): Promise<number> {
  const version = await ctx.db.selectFrom('notice_versions').select(['subject', 'text', 'html']).where('id', '=', batch.versionId).executeTakeFirst();
  if (!version) return 0;
  let sent = 0;
  for (;;) {
    const done = await ctx.db.transaction().execute(async (trx) => {
      const chunk = await trx
        .selectFrom('notice_deliveries as d')
        .innerJoin('residents as r', 'r.id', 'd.resident_id')
        .select(['d.id', 'r.email'])
        .where('d.notice_version_id', '=', batch.versionId)
        .where('d.resident_id', '>=', batch.fromResidentId)
        .where('d.resident_id', '<=', batch.toResidentId)
        .where('d.sent_at', 'is', null)
        .orderBy('d.resident_id')
        .limit(SEND_CHUNK)
        .forUpdate('d')
        .skipLocked()
        .execute();
      if (chunk.length === 0) return 0;
      await Promise.all(chunk.map((d) => ctx.transports.sendEmail({ to: d.email, subject: version.subject, text: version.text, html: version.html })));
      const now = ctx.clock.now();
      const messages = await trx
        .insertInto('sent_messages')
        .values(chunk.map((d) => ({ channel: 'email' as const, recipient: d.email, subject: version.subject, text: version.text, html: version.html, status: 'sent' as const, sent_at: now })))
        .returning('id')
        .execute();
      await sql`
        update notice_deliveries as d set sent_message_id = v.message_id, sent_at = ${now}
        from (select unnest(${sql.val(chunk.map((c) => c.id))}::bigint[]) as id, unnest(${sql.val(messages.map((m) => m.id))}::bigint[]) as message_id) v
        where d.id = v.id`.execute(trx);
      return chunk.length;
    });
    if (done === 0) return sent;
    sent += done;
  }
}

// ---- The resident's email setting

export async function noticeEmailsOn(db: Kysely<Database>, residentId: number): Promise<boolean> {
  const row = await db.selectFrom('notice_email_opt_outs').select('resident_id').where('resident_id', '=', residentId).executeTakeFirst();
  return !row;
}

export async function setNoticeEmails(trx: Trx, residentId: number, on: boolean, now: Date): Promise<void> {
  if (on) await trx.deleteFrom('notice_email_opt_outs').where('resident_id', '=', residentId).execute();
  else await trx.insertInto('notice_email_opt_outs').values({ resident_id: residentId, created_at: now }).onConflict((oc) => oc.doNothing()).execute();
}
