import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { addDays, addMonths } from '../../lib/calendar.js';
import { period as periodLabel } from '../../lib/format.js';
import { debtSlices, penaltyFor, type PenaltyKind } from './penalty.js';
import { billingReference, type BillingReference } from './reference.js';
import { dueDateFor } from './rules.js';

// The monthly bill run. Every statement works on a block of accounts at once
// (INSERT … SELECT over temporary tables), so a block costs a fixed number of
// round trips whatever its size; only penalties are computed in TypeScript, from
// one query's worth of history per block. Running a period again bills only the
// accounts without a bill for it (the unique (account, period) key), so a rerun
// changes nothing and an interrupted run resumes.

type Trx = Transaction<Database>;

export type BlockInput = { period: string; fromId: number; toId: number; now: Date; reference: BillingReference; timings?: StepTimings };

/** Milliseconds spent per step of the run, summed over blocks (the benchmark prints them). */
export type StepTimings = Map<string, number>;

async function timed<T>(timings: StepTimings | undefined, step: string, work: () => Promise<T>): Promise<T> {
  if (!timings) return work();
  const started = performance.now();
  try {
    return await work();
  } finally {
    timings.set(step, (timings.get(step) ?? 0) + performance.now() - started);
  }
}

/** The last day of a period: penalties on the bill are counted up to it. */
export function periodEnd(period: string): string {
  return addDays(addMonths(period, 1), -1);
}

// Temporary tables get no statistics on their own; without them the planner
// guesses a handful of rows and picks nested loops over the whole block.
async function temp(trx: Trx, name: string, query: ReturnType<typeof sql>): Promise<void> {
  await sql`drop table if exists ${sql.table(name)}`.execute(trx);
  await sql`create temp table ${sql.table(name)} on commit drop as ${query}`.execute(trx);
  await sql`analyze ${sql.table(name)}`.execute(trx);
}

/** Bills the accounts with ids in [fromId, toId] that have no bill for the period yet; returns how many bills it made. */
export async function billBlock(trx: Trx, input: BlockInput): Promise<number> {
  const { period, fromId, toId } = input;
  const P = sql`${period}::date`;
  const end = periodEnd(period);
  // date_part (a double) rather than extract (a numeric since Postgres 14): the same whole
  // numbers, several times cheaper over the hundreds of thousands of readings of a block.
  const monthIndex = (d: ReturnType<typeof sql>) => sql`(date_part('year', ${d})::int * 12 + date_part('month', ${d})::int)`;

  // Sorts and hashes over a whole block stay in memory. The block's statements look
  // expensive to the planner, so it would JIT-compile each of them, which costs more
  // (seconds per block) than it saves on a few hundred thousand rows.
  await sql`set local work_mem = '64MB'`.execute(trx);
  await sql`set local jit = off`.execute(trx);
  // The temporary tables' statistics only have to tell the planner their size and rough
  // shape; a small sample gives that at a tenth of the cost of the default one.
  await sql`set local default_statistics_target = 10`.execute(trx);
  // A block's commit need not wait for its WAL to reach the disk: after a crash the run
  // is simply started again and bills the accounts whose bills were lost (and the run's
  // progress, committed normally after each block, flushes the block's WAL before it).
  await sql`set local synchronous_commit = off`.execute(trx);

  // Area and residents as in force for the period.
  await timed(input.timings, 'run_accounts', () => temp(trx, 'run_accounts', sql`
    select pa.id as account_id, pa.provider_id,
           coalesce(dc.area, p.area) as area, coalesce(dc.residents_count, p.residents_count) as residents
    from payer_accounts pa
    join premises p on p.id = pa.premises_id
    left join lateral (
      select d.area, d.residents_count from dwelling_changes d
      where d.payer_account_id = pa.id and d.effective_from <= ${P}
      order by d.effective_from desc, d.id desc limit 1) dc on true
    where pa.id between ${fromId} and ${toId}
      and not exists (select 1 from bills b where b.payer_account_id = pa.id and b.period = ${P})`));

  // Consumption per meter, zone and reading: the difference from the previous
  // reading (or the value the meter was installed with), over how many months;
  // \`since\`: estimates billed after that period are part of this consumption;
  // \`reading_used\`: the whole reading's consumption over all its zones.
  // \`last_period\`: the account's last reading of the resource up to the period.
  // \`late\`: a replaced meter's final reading recorded after its period was billed,
  // so the first bill made after it carries it.
  await timed(input.timings, 'meter_usage', () => temp(trx, 'meter_usage', sql`
    -- Each account's last reading of a resource, one index probe per meter. The block's id
    -- range keeps the meters read through their account index from the block's first
    -- account, not from the first account of all.
    with last_reading as materialized (
      select m.payer_account_id as account_id, m.resource, max(lr.period) as last_period
      from run_accounts a
      join meters m on m.payer_account_id = a.account_id and m.payer_account_id between ${fromId} and ${toId}
      cross join lateral (select lr.period from meter_readings lr where lr.meter_id = m.id and lr.period <= ${P} order by lr.period desc limit 1) lr
      group by 1, 2)
    select r.account_id, r.resource, r.meter_id, r.zones, z.zone, r.period,
           z.value - coalesce(z.previous, z.initial) as used,
           ${monthIndex(sql`r.period`)} - ${monthIndex(sql`coalesce(r.prev_period, r.installed_on)`)} as months,
           r.prev_period, coalesce(r.prev_period, date_trunc('month', r.installed_on)::date) as since, r.late,
           r.reading_used, r.last_period
    from (
      select m.payer_account_id as account_id, m.resource, m.id as meter_id, m.zones, m.installed_on,
             m.initial_t1, m.initial_t2, m.initial_t3, r.period, r.value_t1, r.value_t2, r.value_t3, l.last_period,
             lag(r.period) over w as prev_period,
             r.value_t1 - coalesce(lag(r.value_t1) over w, m.initial_t1)
               + case when m.zones >= 2 then coalesce(r.value_t2 - coalesce(lag(r.value_t2) over w, m.initial_t2), 0) else 0 end
               + case when m.zones = 3 then coalesce(r.value_t3 - coalesce(lag(r.value_t3) over w, m.initial_t3), 0) else 0 end as reading_used,
             lag(r.value_t1) over w as prev_t1, lag(r.value_t2) over w as prev_t2, lag(r.value_t3) over w as prev_t3,
             case when m.replaced_on is not null and r.period < ${P} and r.period = date_trunc('month', m.replaced_on)::date
               then exists (select 1 from bills b where b.payer_account_id = m.payer_account_id and b.period = r.period and b.issued_at < r.submitted_at)
                and not exists (select 1 from bills b where b.payer_account_id = m.payer_account_id and b.period > r.period
                                and b.period < ${P} and b.issued_at >= r.submitted_at)
               else false end as late
      from run_accounts a
      join meters m on m.payer_account_id = a.account_id and m.payer_account_id between ${fromId} and ${toId}
      join last_reading l on l.account_id = m.payer_account_id and l.resource = m.resource
      -- Each meter's readings through its index (a merge join would read the index from the
      -- first meter of all; offset 0 keeps the planner from flattening it into one), from
      -- the last reading before the six months kept below, which gives the first of them
      -- its previous value. A replaced meter's readings are all read: its final reading
      -- may be a late one of any age.
      cross join lateral (
        select * from meter_readings r
        where r.meter_id = m.id and r.period <= ${P}
          and r.period >= case when m.replaced_on is not null then '-infinity'::date else coalesce(
                (select max(p.period) from meter_readings p where p.meter_id = m.id and p.period <= (l.last_period - interval '6 months')::date),
                '-infinity'::date) end
        offset 0) r
      window w as (partition by m.id order by r.period)) r
    cross join lateral (values ('T1', r.value_t1, r.prev_t1, r.initial_t1, 1), ('T2', r.value_t2, r.prev_t2, r.initial_t2, 2),
                               ('T3', r.value_t3, r.prev_t3, r.initial_t3, 3)) as z(zone, value, previous, initial, n)
    -- Later steps read only the last six months before each account's last reading of a
    -- resource (and late readings).
    where z.n <= r.zones and (r.period > r.last_period - interval '6 months' or r.late)`));

  // Where each metered service's quantity comes from this period.
  await timed(input.timings, 'metered_source', () => temp(trx, 'metered_source', sql`
    with meter_state as (
      select m.payer_account_id as account_id, m.resource, max(m.next_verification_date) as verified_until
      from meters m join run_accounts a on a.account_id = m.payer_account_id
      where m.payer_account_id between ${fromId} and ${toId}
        and m.installed_on <= ${end}::date and (m.active or m.replaced_on >= ${P})
      group by 1, 2),
    -- The last reading, whether one counts for this period, and the months the readings
    -- of the last six months cover, in one pass.
    last_read as (
      select account_id, resource, max(last_period) as last_period, bool_or(period = ${P} or late) as read_now,
             sum(months) filter (where zone = 'T1' and period > last_period - interval '6 months') as months
      from meter_usage group by 1, 2)
    select a.account_id, s.code as service, s.resource, a.residents,
      case
        when l.read_now then 'reading'
        when ms.account_id is not null and l.last_period >= ${P} - interval '3 months' and l.months >= 3 then 'average'
        when ms.account_id is not null and ms.verified_until >= ${P} - interval '3 months' then 'norm'
        when exists (select 1 from norm_multipliers nm where nm.service = s.code and nm.valid_from <= ${end}::date) then 'norm_raised'
        else 'norm'
      end as source
    from run_accounts a
    cross join services s
    left join meter_state ms on ms.account_id = a.account_id and ms.resource = s.resource
    left join last_read l on l.account_id = a.account_id and l.resource = s.resource
    where s.basis = 'metered'`));

  // Quantities: readings of the period and late final readings, less what estimates
  // already billed since the previous reading (and, for a late final reading, what its
  // period's bill charged from the reading it replaced); the six-month average; or the
  // norm × residents (× the multiplier). A single-rate estimate (the norm) is taken
  // off a multi-zone reading in proportion to each zone's share of the consumption.
  await timed(input.timings, 'volumes', () => temp(trx, 'volumes', sql`
    select ms.account_id, ms.service, case when max(u.zones) > 1 then u.zone end as zone, max(u.zones) as plan,
           greatest(0, sum(u.used) - coalesce(max(est.quantity), 0))::numeric(14,3) as quantity,
           greatest(0, sum(u.used) - coalesce(max(est.quantity), 0))::numeric(14,3) as base, 'reading' as source
    from metered_source ms
    join meter_usage u on u.account_id = ms.account_id and u.resource = ms.resource and (u.period = ${P} or u.late)
    left join lateral (
      select sum(case when bl.zone is null and u.zones > 1 then bl.quantity * u.used / nullif(u.reading_used, 0) else bl.quantity end) as quantity
      from bills b join bill_lines bl on bl.bill_id = b.id
      where b.payer_account_id = ms.account_id and b.period > u.since and b.period <= u.period and b.period < ${P}
        and bl.service = ms.service and (bl.zone = u.zone or (bl.zone is null and (u.zones > 1 or u.zone = 'T1')))
        and (bl.source in ('average', 'norm') or (u.late and b.period = u.period and bl.source = 'reading'))) est on true
    where ms.source = 'reading'
    group by ms.account_id, ms.service, u.zone
    union all
    select ms.account_id, ms.service, case when max(u.zones) > 1 then u.zone end, max(u.zones),
           round(sum(u.used) / nullif(sum(u.months), 0), 3), round(sum(u.used) / nullif(sum(u.months), 0), 3), 'average'
    from metered_source ms
    join meter_usage u on u.account_id = ms.account_id and u.resource = ms.resource and u.period > u.last_period - interval '6 months'
    where ms.source = 'average'
    group by ms.account_id, ms.service, u.zone
    union all
    select ms.account_id, ms.service, null, 1,
           round(n.quantity * ms.residents * (case when ms.source = 'norm_raised' then coalesce(k.multiplier, 1) else 1 end), 3),
           round(n.quantity * ms.residents, 3), ms.source
    from metered_source ms
    join lateral (select quantity from service_norms sn where sn.service = ms.service and sn.valid_from <= ${P} order by sn.valid_from desc limit 1) n on true
    left join lateral (select multiplier from norm_multipliers nm where nm.service = ms.service and nm.valid_from <= ${end}::date order by nm.valid_from desc limit 1) k on true
    where ms.source in ('norm', 'norm_raised')`));

  // Drainage is cold + hot water; raised when either was billed by the raised norm.
  await timed(input.timings, 'volumes', () => sql`
    insert into volumes (account_id, service, zone, plan, quantity, base, source)
    select v.account_id, 'drainage', null, 1,
           round(sum(v.base) * (case when bool_or(v.source = 'norm_raised') then coalesce(max(k.multiplier), 1) else 1 end), 3),
           sum(v.base),
           case when bool_or(v.source = 'norm_raised') then 'norm_raised' when bool_or(v.source = 'norm') then 'norm'
                when bool_or(v.source = 'average') then 'average' else 'reading' end
    from volumes v
    left join lateral (select multiplier from norm_multipliers nm where nm.service = 'drainage' and nm.valid_from <= ${end}::date order by nm.valid_from desc limit 1) k on true
    where v.service in ('cold_water', 'hot_water')
    group by v.account_id`.execute(trx));

  // Area services: per m², and heating as area × the norm in Гкал per m².
  await timed(input.timings, 'volumes', () => sql`
    insert into volumes (account_id, service, zone, plan, quantity, base, source)
    select a.account_id, s.code, null, 1,
           case when s.basis = 'area' then a.area else round(a.area * n.quantity, 3) end,
           a.area, case when s.basis = 'area' then 'area' else 'norm' end
    from run_accounts a
    cross join services s
    left join lateral (select quantity from service_norms sn where sn.service = s.code and sn.valid_from <= ${P} order by sn.valid_from desc limit 1) n on true
    where s.basis = 'area' or (s.basis = 'area_norm' and n.quantity is not null)`.execute(trx));

  // Lines: the tariff in force for the period, plan and zone; the payee of the service
  // (or the account's managing organisation).
  await timed(input.timings, 'run_lines', () => temp(trx, 'run_lines', sql`
    select v.account_id, v.service, s.unit, v.zone, v.quantity, t.price_kopecks as tariff,
           round(v.quantity * t.price_kopecks)::bigint as charged, 0::bigint as recalc, null::text as reason, v.source,
           s.sort_order * 10 + coalesce(substr(v.zone, 2, 1)::int, 0) as sort_order, coalesce(s.payee_id, py.id) as payee_id
    from volumes v
    join services s on s.code = v.service
    join run_accounts a on a.account_id = v.account_id
    left join payees py on py.provider_id = a.provider_id
    left join lateral (
      select price_kopecks from tariffs t
      where t.service = v.service and t.plan = v.plan and t.zone = coalesce(v.zone, 'T1')
        and t.valid_from <= ${P} and (t.valid_to is null or t.valid_to >= ${P})
      order by t.valid_from desc limit 1) t on true`));
  const missing = await sql<{ service: string; what: string }>`
    select l.service, case when l.tariff is null then 'tariff' else 'payee' end as what
    from run_lines l where l.tariff is null or l.payee_id is null limit 1`.execute(trx);
  if (missing.rows[0]) {
    const { service, what } = missing.rows[0];
    throw new Error(what === 'tariff' ? `Нет тарифа на услугу «${service}» за ${periodLabel(period)}` : `Не указан получатель платежа за услугу «${service}»`);
  }

  // Pending recalculations for the period or earlier: an amount, or a share of the
  // service's charge for that period (this bill's own charge for this period).
  await timed(input.timings, 'run_recalcs', () => temp(trx, 'run_recalcs', sql`
    select r.id, r.payer_account_id as account_id, r.service, r.reason,
           coalesce(r.amount_kopecks, -least(c.charged, round(c.charged * r.excess_hours * r.percent_per_hour / 100)), 0)::bigint as amount
    from pending_recalculations r
    join run_accounts a on a.account_id = r.payer_account_id
    left join lateral (
      select case when r.period = ${P}
        then (select sum(l.charged) from run_lines l where l.account_id = r.payer_account_id and l.service = r.service)
        else (select sum(bl.charged_kopecks) from bills b join bill_lines bl on bl.bill_id = b.id
              where b.payer_account_id = r.payer_account_id and b.period = r.period and bl.service = r.service)
      end as charged) c on true
    where r.applied_bill_id is null and r.period <= ${P}`));
  await timed(input.timings, 'run_recalcs', () => sql`
    with per_service as (
      select account_id, service, sum(amount) as amount, string_agg(reason, '; ' order by id) as reasons
      from run_recalcs group by 1, 2),
    updated as (
      update run_lines l set recalc = p.amount, reason = p.reasons
      from per_service p
      where l.account_id = p.account_id and l.service = p.service and coalesce(l.zone, 'T1') = 'T1'
      returning l.account_id, l.service)
    insert into run_lines (account_id, service, unit, zone, quantity, tariff, charged, recalc, reason, source, sort_order, payee_id)
    select p.account_id, p.service, s.unit, null, 0, 0, 0, p.amount, p.reasons, 'recalculation', s.sort_order * 10,
           coalesce(s.payee_id, py.id)
    from per_service p
    join services s on s.code = p.service
    join run_accounts a on a.account_id = p.account_id
    left join payees py on py.provider_id = a.provider_id
    where not exists (select 1 from updated u where u.account_id = p.account_id and u.service = p.service)`.execute(trx));

  const totals = await timed(input.timings, 'totals', () => accountTotals(trx, period));
  if (totals.length === 0) return 0;
  const dueDate = dueDateFor(period, input.reference.dueDays);
  const penalties = await timed(input.timings, 'penalties', () => penaltiesFor(trx, period, input.reference, fromId, toId));
  const column = <T>(pick: (t: (typeof totals)[number]) => T) => totals.map(pick);

  const created = await timed(input.timings, 'bills', () => sql<{ bills: number }>`
    with new_bills as (
      insert into bills (payer_account_id, period, due_date, balance_forward_kopecks, charged_kopecks, paid_kopecks,
                         penalty_kopecks, amount_due_kopecks, issued_at, penalty_as_of)
      select u.account_id, ${P}, ${dueDate}::date, u.forward, u.charged, u.paid, u.penalty,
             u.forward + u.charged - u.paid + u.penalty, ${input.now}, ${end}::date
      from unnest(${column((t) => t.accountId)}::int[], ${column((t) => t.forward)}::bigint[], ${column((t) => t.charged)}::bigint[],
                  ${column((t) => t.paid)}::bigint[], ${column((t) => penalties.get(t.accountId) ?? 0)}::bigint[])
           as u(account_id, forward, charged, paid, penalty)
      on conflict (payer_account_id, period) do nothing
      returning id, payer_account_id),
    lines as (
      insert into bill_lines (bill_id, service, quantity, unit, tariff_kopecks, charged_kopecks, recalculation_kopecks,
                              recalculation_reason, total_kopecks, payee_id, zone, source, sort_order)
      select nb.id, l.service, l.quantity, l.unit, l.tariff, l.charged, l.recalc, l.reason, l.charged + l.recalc,
             l.payee_id, l.zone, l.source, l.sort_order
      from run_lines l join new_bills nb on nb.payer_account_id = l.account_id),
    applied as (
      update pending_recalculations r set applied_bill_id = nb.id
      from run_recalcs rr join new_bills nb on nb.payer_account_id = rr.account_id
      where r.id = rr.id)
    select count(*)::int as bills from new_bills`.execute(trx));
  return created.rows[0]?.bills ?? 0;
}

type AccountTotal = { accountId: number; forward: number; charged: number; paid: number };

/** Per account of the block: the debt brought forward (without penalties), this period's charge and payments. */
async function accountTotals(trx: Trx, period: string): Promise<AccountTotal[]> {
  const rows = await sql<{ account_id: number; forward: number; charged: number; paid: number }>`
    select a.account_id,
           coalesce(prev.amount_due_kopecks - prev.penalty_kopecks, 0)::bigint as forward,
           coalesce(lines.charged, 0)::bigint as charged,
           coalesce((select sum(p.amount_kopecks) from payments p
                     where p.payer_account_id = a.account_id and p.paid_on >= ${period}::date and p.paid_on < ${addMonths(period, 1)}::date), 0)::bigint as paid
    from run_accounts a
    left join (select account_id, sum(charged + recalc) as charged from run_lines group by 1) lines on lines.account_id = a.account_id
    left join lateral (
      select b.amount_due_kopecks, b.penalty_kopecks from bills b
      where b.payer_account_id = a.account_id and b.period < ${period}::date
      order by b.period desc limit 1) prev on true
    order by a.account_id`.execute(trx);
  return rows.rows.map((r) => ({ accountId: r.account_id, forward: Number(r.forward), charged: Number(r.charged), paid: Number(r.paid) }));
}

/** Penalties of the block's accounts as of the period's last day, from their earlier bills and all payments. */
async function penaltiesFor(trx: Trx, period: string, reference: BillingReference, fromId: number, toId: number): Promise<Map<number, number>> {
  const asOf = periodEnd(period);
  // The block's id range lets the planner read bills and payments through their account
  // indexes instead of scanning the whole tables, which grow with every month billed.
  const bills = await sql<{ account_id: number; period: string; due_date: string; charged: number; capital_repair: number }>`
    with block_bills as materialized (
      select b.id, b.payer_account_id as account_id, b.period, b.due_date, b.charged_kopecks as charged
      from bills b join run_accounts a on a.account_id = b.payer_account_id
      where b.payer_account_id between ${fromId} and ${toId} and b.period < ${period}::date and b.due_date < ${asOf}::date),
    -- The capital repair part of those bills in one pass: a subquery per bill would scan
    -- bill_lines once per bill whenever its statistics lag behind (e.g. during the first run).
    -- The ids as one array: the lines are then looked up through their bill index, where a
    -- join estimated from the CTE's guessed size scanned every line of every earlier run.
    capital_repair as (
      select bl.bill_id, sum(bl.total_kopecks) as amount
      from bill_lines bl join services s on s.code = bl.service
      where s.penalty_kind = 'capital_repair' and bl.bill_id = any(array(select id from block_bills))
      group by bl.bill_id)
    select bb.account_id, bb.period, bb.due_date, bb.charged, coalesce(cr.amount, 0)::bigint as capital_repair
    from block_bills bb left join capital_repair cr on cr.bill_id = bb.id`.execute(trx);
  if (bills.rows.length === 0) return new Map();
  const payments = await sql<{ account_id: number; paid_on: string; amount: number; for_period: string | null; penalty_kind: PenaltyKind | null }>`
    select p.payer_account_id as account_id, p.paid_on, p.amount_kopecks as amount, p.for_period, p.penalty_kind
    from payments p join run_accounts a on a.account_id = p.payer_account_id
    where p.payer_account_id between ${fromId} and ${toId} and p.paid_on <= ${asOf}::date`.execute(trx);
  return penaltiesByAccount(bills.rows, payments.rows, asOf, reference);
}

export function penaltiesByAccount(
  bills: { account_id: number; period: string; due_date: string; charged: number; capital_repair: number }[],
  payments: { account_id: number; paid_on: string; amount: number; for_period: string | null; penalty_kind?: PenaltyKind | null }[],
  asOf: string,
  reference: BillingReference,
): Map<number, number> {
  const paymentsOf = new Map<number, { date: string; amountKopecks: number; forPeriod: string | null; penaltyKind: PenaltyKind | null }[]>();
  for (const p of payments) {
    const list = paymentsOf.get(p.account_id) ?? [];
    list.push({ date: p.paid_on, amountKopecks: Number(p.amount), forPeriod: p.for_period, penaltyKind: p.penalty_kind ?? null });
    paymentsOf.set(p.account_id, list);
  }
  const billsOf = new Map<number, typeof bills>();
  for (const b of bills) {
    const list = billsOf.get(b.account_id) ?? [];
    list.push(b);
    billsOf.set(b.account_id, list);
  }
  // The same few periods for every account: each label formatted once.
  const labels = new Map<string, string>();
  const labelOf = (period: string) => labels.get(period) ?? labels.set(period, periodLabel(period)).get(period)!;
  const result = new Map<number, number>();
  for (const [accountId, list] of billsOf) {
    const slices = debtSlices(
      list.map((b) => ({
        period: b.period,
        label: labelOf(b.period),
        dueDate: b.due_date,
        utilitiesKopecks: Number(b.charged) - Number(b.capital_repair),
        capitalRepairKopecks: Number(b.capital_repair),
      })),
      paymentsOf.get(accountId) ?? [],
    );
    const total = penaltyFor(slices, asOf, reference.rates).totalKopecks;
    if (total > 0) result.set(accountId, total);
  }
  return result;
}

/** Account id ranges of about `size` accounts each, in id order. */
export async function accountBlocks(db: Kysely<Database>, size: number): Promise<{ fromId: number; toId: number; count: number }[]> {
  const rows = await sql<{ from_id: number; to_id: number; count: number }>`
    select min(id) as from_id, max(id) as to_id, count(*)::int as count
    from (select id, (row_number() over (order by id) - 1) / ${size} as block from payer_accounts) numbered
    group by block order by block`.execute(db);
  return rows.rows.map((r) => ({ fromId: r.from_id, toId: r.to_id, count: r.count }));
}

export type RunProgress = (done: { accounts: number; bills: number; total: number }) => Promise<void> | void;

/** Blocks billed at once, each on its own connection: a block keeps one Postgres core busy, the machine has two. */
export const RUN_CONNECTIONS = 2;

/**
 * Bills every account for the period, block by block, each block in its own
 * transaction, `connections` blocks at a time (blocks share no account, so they
 * never wait for each other). Progress is reported after each block, in order.
 * Returns the bills made; after a failed block no new block starts, and the
 * first error is thrown once the blocks under way have finished.
 */
export async function runBilling(
  db: Kysely<Database>,
  options: { period: string; now: Date; blockSize?: number; connections?: number; onProgress?: RunProgress; timings?: StepTimings },
): Promise<{ accounts: number; bills: number }> {
  const reference = await billingReference(db);
  const blocks = await accountBlocks(db, options.blockSize ?? 2000);
  const total = blocks.reduce((sum, b) => sum + b.count, 0);
  let accounts = 0;
  let bills = 0;
  let failed = false;
  let progress = Promise.resolve();
  const next = blocks.values();
  const worker = async () => {
    for (let item = next.next(); !item.done && !failed; item = next.next()) {
      const block = item.value;
      try {
        const made = await db.transaction().execute((trx) =>
          billBlock(trx, { period: options.period, fromId: block.fromId, toId: block.toId, now: options.now, reference, timings: options.timings }));
        bills += made;
        accounts += block.count;
        const done = { accounts, bills, total };
        progress = progress.then(() => options.onProgress?.(done));
        await progress;
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const outcomes = await Promise.allSettled(Array.from({ length: options.connections ?? RUN_CONNECTIONS }, worker));
  const rejected = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (rejected) throw rejected.reason;
  return { accounts, bills };
}

/** Bills every account inside the caller's transaction (the demo seed, tests of a small building). */
export async function runBillingIn(trx: Trx, options: { period: string; now: Date }): Promise<number> {
  const reference = await billingReference(trx);
  const range = await trx.selectFrom('payer_accounts').select((eb) => [eb.fn.min('id').as('from'), eb.fn.max('id').as('to')]).executeTakeFirst();
  if (range?.from === null || range?.from === undefined || range.to === null) return 0;
  return billBlock(trx, { period: options.period, fromId: Number(range.from), toId: Number(range.to), now: options.now, reference });
}
