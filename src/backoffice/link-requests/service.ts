import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { sendEmailLater } from '../../messaging/service.js';
import { sameFlat } from '../../features/linking/rules.js';
import { recordAudit } from '../../audit/writer.js';
import { type LinkStatus } from '../../features/linking/tables.js';
import { linkApprovedEmail, linkRejectedEmail } from './messages.js';

// «Заявки на подключение»: a moderator compares each request with the registry and
// approves or rejects it. The first decision stands; each one is audited and the
// resident is emailed.

export async function countLinkRequestsAwaiting(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('account_links')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'pending')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** What the registry says about the typed payer code and flat. */
export type Match =
  | { kind: 'matched'; accountId: number; address: string; flat: string; provider: string; area: number; residentsCount: number }
  | { kind: 'no-account' }
  | { kind: 'flat-mismatch'; address: string; flat: string; provider: string }
  | { kind: 'provider-mismatch'; address: string; flat: string; provider: string };

export type LinkRequest = {
  id: number;
  residentEmail: string;
  payerCode: string;
  flat: string;
  provider: string;
  consentedAt: Date;
  createdAt: Date;
  status: LinkStatus;
  reason: string | null;
  decidedAt: Date | null;
  decidedBy: string | null;
  match: Match;
  /** Who already holds the account in the cabinet (its owner), if anyone. */
  owner: { email: string; name: string | null; since: Date | null } | null;
};

/** Everyone with access to an account: its owner and the co-owners who accepted an invitation. */
export type Holder = { email: string; name: string | null; rights: 'owner' | 'view_pay' | 'view'; since: Date | null };

function requestsQuery(db: Kysely<Database>) {
  return (
    db
      .selectFrom('account_links as l')
      .innerJoin('residents as r', 'r.id', 'l.resident_id')
      .innerJoin('providers as rp', 'rp.id', 'l.requested_provider_id')
      .leftJoin('staff as s', 's.id', 'l.decided_by')
      // What the registry says about the typed payer code. Apart (LIMIT 1 keeps the planner
      // from merging it into the outer join): as one ten-table join, planning it took 7 ms,
      // ten times the execution, on every view; Postgres kept the custom plan for the status.
      .leftJoinLateral(
        (eb) =>
          eb
            .selectFrom('payer_accounts as pa')
            .innerJoin('premises as p', 'p.id', 'pa.premises_id')
            .innerJoin('buildings as b', 'b.id', 'p.building_id')
            .innerJoin('providers as pp', 'pp.id', 'pa.provider_id')
            // Its owner in the cabinet: at most one approved link per account (a unique index).
            .leftJoinLateral(
              (owner) =>
                owner
                  .selectFrom('account_links as ol')
                  .innerJoin('residents as o', 'o.id', 'ol.resident_id')
                  .select(['o.email', 'o.last_name', 'o.first_name', 'o.middle_name', 'ol.decided_at'])
                  .whereRef('ol.payer_account_id', '=', 'pa.id')
                  .where('ol.status', '=', sql.lit('approved'))
                  .limit(1)
                  .as('o'),
              (join) => join.onTrue(),
            )
            .select([
              'pa.id as account_id', 'pa.provider_id', 'pp.name as provider', 'b.address', 'p.flat_number', 'p.area', 'p.residents_count',
              'o.email as owner_email', 'o.last_name as owner_last_name', 'o.first_name as owner_first_name', 'o.middle_name as owner_middle_name', 'o.decided_at as owner_since',
            ])
            .whereRef('pa.payer_code', '=', 'l.requested_payer_code')
            .limit(1)
            .as('reg'),
        (join) => join.onTrue(),
      )
      .select([
        'l.id', 'r.email', 'l.requested_payer_code', 'l.requested_flat', 'rp.name as requested_provider', 'l.requested_provider_id',
        'l.consented_at', 'l.created_at', 'l.status', 'l.reason', 'l.decided_at', 's.full_name as decided_by',
        'reg.account_id', 'reg.provider_id', 'reg.provider', 'reg.address', 'reg.flat_number', 'reg.area', 'reg.residents_count',
        'reg.owner_email', 'reg.owner_last_name', 'reg.owner_first_name', 'reg.owner_middle_name', 'reg.owner_since',
      ])
  );
}

type RequestRow = Awaited<ReturnType<ReturnType<typeof requestsQuery>['executeTakeFirstOrThrow']>>;

function matchOf(row: RequestRow): Match {
  if (row.account_id === null) return { kind: 'no-account' };
  const registry = { address: row.address!, flat: row.flat_number!, provider: row.provider! };
  if (!sameFlat(row.flat_number!, row.requested_flat)) return { kind: 'flat-mismatch', ...registry };
  if (row.provider_id !== row.requested_provider_id) return { kind: 'provider-mismatch', ...registry };
  return { kind: 'matched', accountId: row.account_id, ...registry, area: row.area!, residentsCount: row.residents_count! };
}

function toRequest(row: RequestRow): LinkRequest {
  return {
    id: row.id,
    residentEmail: row.email,
    payerCode: row.requested_payer_code,
    flat: row.requested_flat,
    provider: row.requested_provider,
    consentedAt: row.consented_at,
    createdAt: row.created_at,
    status: row.status,
    reason: row.reason,
    decidedAt: row.decided_at,
    decidedBy: row.decided_by,
    match: matchOf(row),
    owner: row.owner_email
      ? { email: row.owner_email, name: fullName(row.owner_last_name, row.owner_first_name, row.owner_middle_name), since: row.owner_since }
      : null,
  };
}

/** «Иванов Иван Иванович», or null before the identity (and so the name) is confirmed. */
export function fullName(last: string | null, first: string | null, middle: string | null): string | null {
  return last && first ? [last, first, middle].filter(Boolean).join(' ') : null;
}

/** The account's holders for the moderator: the owner first, then co-owners by the date they accepted. */
export async function holdersOf(db: Kysely<Database>, accountId: number): Promise<Holder[]> {
  const rows = await db
    .selectFrom('account_links as l')
    .innerJoin('residents as r', 'r.id', 'l.resident_id')
    .select(['r.email', 'r.last_name', 'r.first_name', 'r.middle_name', sql<Holder['rights']>`'owner'`.as('rights'), 'l.decided_at as since'])
    .where('l.payer_account_id', '=', accountId)
    .where('l.status', '=', 'approved')
    .unionAll(
      db
        .selectFrom('co_owner_grants as g')
        .innerJoin('residents as r', 'r.id', 'g.accepted_by')
        .select(['r.email', 'r.last_name', 'r.first_name', 'r.middle_name', 'g.rights', 'g.accepted_at as since'])
        .where('g.payer_account_id', '=', accountId)
        .where('g.revoked_at', 'is', null),
    )
    .execute();
  return rows
    .map((r) => ({ email: r.email, name: fullName(r.last_name, r.first_name, r.middle_name), rights: r.rights, since: r.since }))
    .sort((a, b) => Number(b.rights === 'owner') - Number(a.rights === 'owner') || (a.since?.getTime() ?? 0) - (b.since?.getTime() ?? 0) || a.email.localeCompare(b.email));
}

export const PAGE_SIZE = 20;

/** Requests of one status, oldest first for the queue, newest first for decided ones. */
export async function linkRequests(db: Kysely<Database>, status: LinkStatus, page: number): Promise<{ requests: LinkRequest[]; hasNext: boolean }> {
  const direction = status === 'pending' ? 'asc' : 'desc';
  // The page's ids first (off the queue-order index alone), then their details by id. As one
  // statement with the page's offset, Postgres planned the whole ten-table join afresh on
  // every view (1.2 ms, twice its execution): for an offset it cannot see, the generic plan
  // looks costlier than a custom one. By a list of ids, it is planned once per connection.
  // The status is a literal (one of a fixed list) for the same reason.
  const ids = await db
    .selectFrom('account_links')
    .select('id')
    .where('status', '=', sql.lit(status))
    .orderBy('created_at', direction)
    .orderBy('id', direction)
    .limit(PAGE_SIZE + 1)
    .offset((page - 1) * PAGE_SIZE)
    .execute();
  const pageIds = ids.slice(0, PAGE_SIZE).map((row) => row.id);
  const rows =
    pageIds.length === 0
      ? []
      : await requestsQuery(db)
          .where(sql<boolean>`l.id = any(${pageIds}::int[])`)
          // Decided by someone else between the two reads: not in this list any more.
          .where('l.status', '=', sql.lit(status))
          .orderBy('l.created_at', direction)
          .orderBy('l.id', direction)
          .execute();
  return { requests: rows.map(toRequest), hasNext: ids.length > PAGE_SIZE };
}

export async function linkRequest(db: Kysely<Database>, id: number): Promise<LinkRequest | null> {
  const row = await requestsQuery(db).where('l.id', '=', id).executeTakeFirst();
  return row ? toRequest(row) : null;
}

export type Decision = { kind: 'approve' } | { kind: 'reject'; reason: string };
export type DecisionResult = 'done' | 'not-found' | 'already-decided' | 'no-match' | 'has-owner';

/**
 * Approves or rejects a pending request. The row is locked, so two moderators
 * deciding at once cannot both win: the second one is told it was already decided.
 */
export async function decide(
  trx: Transaction<Database>,
  input: { id: number; staffId: number; decision: Decision; now: Date; ip: string },
): Promise<DecisionResult> {
  const locked = await trx.selectFrom('account_links').select(['id', 'status', 'requested_payer_code']).where('id', '=', input.id).forUpdate().executeTakeFirst();
  if (!locked) return 'not-found';
  if (locked.status !== 'pending') return 'already-decided';
  // Approvals and transfers of one account wait for each other, so the owner check below holds.
  await trx.selectFrom('payer_accounts').select('id').where('payer_code', '=', locked.requested_payer_code).forUpdate().execute();
  const request = (await linkRequest(trx, input.id))!;
  const approve = input.decision.kind === 'approve';
  if (approve && request.match.kind !== 'matched') return 'no-match';
  // Never a second owner: the owner invites co-owners, or staff transfer the ownership.
  if (approve && request.owner) return 'has-owner';
  await trx
    .updateTable('account_links')
    .set({
      status: approve ? 'approved' : 'rejected',
      payer_account_id: request.match.kind === 'matched' && approve ? request.match.accountId : null,
      reason: input.decision.kind === 'reject' ? input.decision.reason : null,
      decided_by: input.staffId,
      decided_at: input.now,
    })
    .where('id', '=', input.id)
    .execute();
  await recordAudit(trx, {
    staffId: input.staffId,
    action: approve ? 'link-request.approved' : 'link-request.rejected',
    subjectType: 'account_link',
    subjectId: input.id,
    details: { payerCode: request.payerCode, flat: request.flat, ...(input.decision.kind === 'reject' ? { reason: input.decision.reason } : {}) },
    ip: input.ip,
  });
  const content =
    input.decision.kind === 'reject'
      ? linkRejectedEmail({ payerCode: request.payerCode, flat: request.flat, reason: input.decision.reason })
      : linkApprovedEmail({ payerCode: request.payerCode, flat: request.flat });
  await sendEmailLater(trx, { to: request.residentEmail, ...content });
  return 'done';
}

