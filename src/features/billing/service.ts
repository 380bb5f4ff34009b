import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { readTogether } from '../../db/together.js';
import type { AccountIdsQuery } from '../accounts/access.js';
import { addMonths } from '../../lib/calendar.js';
import { period as periodLabel } from '../../lib/format.js';
import { debtSlices, penaltyFor, type PenaltyBreakdown } from './penalty.js';
import { billingReference } from './reference.js';
import { billState, paymentQr, splitByWeight, type BillState } from './document.js';
import type { LineSource, Zone } from './tables.js';

// What residents read about their bills. Callers pass account ids the resident may
// see (accounts/access.ts); every query here is scoped by them.

export type BillSummary = {
  id: number;
  accountId: number;
  period: string;
  dueDate: string;
  amountDueKopecks: number;
  penaltyKopecks: number;
  /** Principal from earlier bills still unpaid after this bill's payments (overdue by construction). */
  overdueKopecks: number;
  state: BillState;
};

type SummaryRow = {
  id: number; payer_account_id: number; period: string; due_date: string; amount_due_kopecks: number;
  penalty_kopecks: number; balance_forward_kopecks: number; paid_kopecks: number; paid_after: number;
};

function toSummary(row: SummaryRow, today: string): BillSummary {
  const paidAfter = Number(row.paid_after);
  return {
    id: row.id,
    accountId: row.payer_account_id,
    period: row.period,
    dueDate: row.due_date,
    amountDueKopecks: row.amount_due_kopecks,
    penaltyKopecks: row.penalty_kopecks,
    overdueKopecks: Math.max(0, row.balance_forward_kopecks - row.paid_kopecks - paidAfter),
    state: billState({ amountDueKopecks: row.amount_due_kopecks, paidAfterKopecks: paidAfter, dueDate: row.due_date, today }),
  };
}

// Payments made in the month after the period answer that period's bill.
const paidAfter = (today: string) => sql<number>`coalesce((
  select sum(p.amount_kopecks) from payments p
  where p.payer_account_id = b.payer_account_id
    and p.paid_on >= (b.period + interval '1 month')::date and p.paid_on < (b.period + interval '2 months')::date
    and p.paid_on <= ${today}::date), 0)::bigint`;

function summaryQuery(db: Kysely<Database>, today: string) {
  return db
    .selectFrom('bills as b')
    .select(['b.id', 'b.payer_account_id', 'b.period', 'b.due_date', 'b.amount_due_kopecks', 'b.penalty_kopecks', 'b.balance_forward_kopecks', 'b.paid_kopecks'])
    .select(paidAfter(today).as('paid_after'));
}

/**
 * The newest bill of each account the resident may see (the unique (account, period) index
 * finds it): rows for latestBillsOf. DISTINCT ON over the accounts' bills summed the payments
 * of every bill of the year before keeping one; here only the kept bill's are summed.
 */
export function latestBillsQuery(db: Kysely<Database>, accountIds: AccountIdsQuery, today: string) {
  const newestBillIds = db
    .selectFrom(accountIds.as('a'))
    .innerJoinLateral(
      (eb) => eb.selectFrom('bills as nb').select('nb.id').whereRef('nb.payer_account_id', '=', 'a.account_id').orderBy('nb.period', 'desc').limit(1).as('newest'),
      (join) => join.onTrue(),
    )
    .select('newest.id');
  return summaryQuery(db, today).where('b.id', 'in', newestBillIds);
}

export function latestBillsOf(rows: SummaryRow[], today: string): Map<number, BillSummary> {
  return new Map(rows.map((r) => [r.payer_account_id, toSummary(r, today)]));
}

/** An account's bills, newest first, a page at a time. */
export async function billsOf(db: Kysely<Database>, accountId: number, today: string, page: { limit: number; offset: number }): Promise<{ bills: BillSummary[]; total: number }> {
  const { rows, count } = await readTogether(db, {
    rows: summaryQuery(db, today).where('b.payer_account_id', '=', accountId).orderBy('b.period', 'desc').limit(page.limit).offset(page.offset),
    count: db.selectFrom('bills').select((eb) => eb.fn.countAll<number>().as('n')).where('payer_account_id', '=', accountId),
  });
  return { bills: rows.map((r) => toSummary(r, today)), total: Number(count[0]!.n) };
}

export type BillLine = {
  service: string;
  name: string;
  zone: Zone | null;
  quantity: number;
  unit: string;
  tariffKopecks: number;
  chargedKopecks: number;
  recalculationKopecks: number;
  recalculationReason: string | null;
  totalKopecks: number;
  source: LineSource | null;
};

export type PayeeSection = {
  payee: { id: number; name: string; inn: string; kpp: string; bankName: string; bic: string; account: string; corrAccount: string };
  lines: BillLine[];
  totalKopecks: number;
  /** This payee's part of the amount due (in proportion to the charges), and its payment QR text. */
  toPayKopecks: number;
  qr: string | null;
};

export type BillDocument = {
  summary: BillSummary;
  payerCode: string;
  address: string;
  flat: string;
  chargedKopecks: number;
  balanceForwardKopecks: number;
  paidKopecks: number;
  penaltyAsOf: string | null;
  issuedAt: Date;
  sections: PayeeSection[];
};

/** One bill laid out as the ЕПД, if it belongs to one of `accountIds`. */
export async function billDocument(db: Kysely<Database>, billId: number, accountIds: number[], today: string): Promise<BillDocument | undefined> {
  if (accountIds.length === 0) return undefined;
  const bill = await summaryQuery(db, today)
    .innerJoin('payer_accounts as pa', 'pa.id', 'b.payer_account_id')
    .innerJoin('premises as p', 'p.id', 'pa.premises_id')
    .innerJoin('buildings as bd', 'bd.id', 'p.building_id')
    .select(['pa.payer_code', 'bd.address', 'p.flat_number', 'b.charged_kopecks', 'b.penalty_as_of', 'b.issued_at'])
    .where('b.id', '=', billId)
    .where('b.payer_account_id', 'in', accountIds)
    .executeTakeFirst();
  if (!bill) return undefined;
  const lines = await db
    .selectFrom('bill_lines as l')
    .innerJoin('services as s', 's.code', 'l.service')
    .innerJoin('payees as py', 'py.id', 'l.payee_id')
    .select([
      'l.service', 's.name', 'l.zone', 'l.quantity', 'l.unit', 'l.tariff_kopecks', 'l.charged_kopecks', 'l.recalculation_kopecks',
      'l.recalculation_reason', 'l.total_kopecks', 'l.source', 'py.id as payee_id', 'py.name as payee_name', 'py.inn', 'py.kpp',
      'py.bank_name', 'py.bic', 'py.account', 'py.corr_account',
    ])
    .where('l.bill_id', '=', billId)
    .orderBy('l.sort_order')
    .orderBy('l.id')
    .execute();
  const sections: PayeeSection[] = [];
  for (const l of lines) {
    let section = sections.find((s) => s.payee.id === l.payee_id);
    if (!section) {
      section = {
        payee: { id: l.payee_id, name: l.payee_name, inn: l.inn, kpp: l.kpp, bankName: l.bank_name, bic: l.bic, account: l.account, corrAccount: l.corr_account },
        lines: [], totalKopecks: 0, toPayKopecks: 0, qr: null,
      };
      sections.push(section);
    }
    section.lines.push({
      service: l.service, name: l.name, zone: l.zone, quantity: Number(l.quantity), unit: l.unit, tariffKopecks: l.tariff_kopecks,
      chargedKopecks: l.charged_kopecks, recalculationKopecks: l.recalculation_kopecks, recalculationReason: l.recalculation_reason,
      totalKopecks: l.total_kopecks, source: l.source,
    });
    section.totalKopecks += l.total_kopecks;
  }
  const shares = splitByWeight(Math.max(0, bill.amount_due_kopecks), sections.map((s) => Math.max(0, s.totalKopecks)));
  sections.forEach((section, i) => {
    section.toPayKopecks = shares[i]!;
    section.qr = section.toPayKopecks > 0 ? paymentQr({ payee: section.payee, sumKopecks: section.toPayKopecks, payerCode: bill.payer_code, period: bill.period }) : null;
  });
  return {
    summary: toSummary(bill, today),
    payerCode: bill.payer_code,
    address: bill.address,
    flat: bill.flat_number,
    chargedKopecks: bill.charged_kopecks,
    balanceForwardKopecks: bill.balance_forward_kopecks,
    paidKopecks: bill.paid_kopecks,
    penaltyAsOf: bill.penalty_as_of,
    issuedAt: bill.issued_at,
    sections,
  };
}

/** How the bill's penalty was computed: its account's earlier bills and payments, as of the bill's date. */
export async function penaltyBreakdown(db: Kysely<Database>, bill: BillDocument): Promise<PenaltyBreakdown & { asOf: string }> {
  const asOf = bill.penaltyAsOf ?? addMonths(bill.summary.period, 1);
  const [reference, bills, payments] = await Promise.all([
    billingReference(db),
    db
      .selectFrom('bills as b')
      .select(['b.period', 'b.due_date', 'b.charged_kopecks'])
      .select(sql<number>`coalesce((select sum(bl.total_kopecks) from bill_lines bl join services s on s.code = bl.service
                           where bl.bill_id = b.id and s.penalty_kind = 'capital_repair'), 0)::bigint`.as('capital_repair'))
      .where('b.payer_account_id', '=', bill.summary.accountId)
      .where('b.period', '<', bill.summary.period)
      .where('b.due_date', '<', asOf)
      .orderBy('b.period')
      .execute(),
    db
      .selectFrom('payments')
      .select(['paid_on', 'amount_kopecks', 'for_period', 'penalty_kind'])
      .where('payer_account_id', '=', bill.summary.accountId)
      .where('paid_on', '<=', asOf)
      .orderBy('paid_on')
      .orderBy('id')
      .execute(),
  ]);
  const slices = debtSlices(
    bills.map((b) => ({
      period: b.period,
      label: periodLabel(b.period),
      dueDate: b.due_date,
      utilitiesKopecks: b.charged_kopecks - Number(b.capital_repair),
      capitalRepairKopecks: Number(b.capital_repair),
    })),
    payments.map((p) => ({ date: p.paid_on, amountKopecks: p.amount_kopecks, forPeriod: p.for_period, penaltyKind: p.penalty_kind })),
  );
  return { ...penaltyFor(slices, asOf, reference.rates), asOf };
}

export type ConsumptionMonth = { period: string; quantity: number; source: LineSource | null };
export type ConsumptionSeries = { service: string; name: string; unit: string; months: ConsumptionMonth[]; normPerMonth: number | null };

const CHARTED = ['cold_water', 'hot_water', 'electricity'];

/** Billed volumes per resource for the last 12 billed months of an account, and the plain norm for its residents. */
export async function consumptionOf(db: Kysely<Database>, accountId: number): Promise<ConsumptionSeries[]> {
  const rows = await db
    .selectFrom('bills as b')
    .innerJoin('bill_lines as l', 'l.bill_id', 'b.id')
    .innerJoin('services as s', 's.code', 'l.service')
    .select(['b.period', 'l.service', 's.name', 's.unit'])
    .select((eb) => [eb.fn.sum<number>('l.quantity').as('quantity'), eb.fn.max('l.source').as('source')])
    .where('b.payer_account_id', '=', accountId)
    .where('l.service', 'in', CHARTED)
    .where('b.period', '>', sql<string>`(select max(period) - interval '12 months' from bills where payer_account_id = ${accountId})`)
    .groupBy(['b.period', 'l.service', 's.name', 's.unit', 's.sort_order'])
    .orderBy('s.sort_order')
    .orderBy('b.period')
    .execute();
  const norms = await db
    .selectFrom('service_norms as n')
    .innerJoin('payer_accounts as pa', (join) => join.on('pa.id', '=', accountId))
    .innerJoin('premises as p', 'p.id', 'pa.premises_id')
    .select(['n.service', 'n.quantity', 'n.valid_from', 'p.residents_count'])
    .where('n.service', 'in', CHARTED)
    .orderBy('n.valid_from', 'desc')
    .execute();
  const series: ConsumptionSeries[] = [];
  for (const row of rows) {
    let s = series.find((x) => x.service === row.service);
    if (!s) {
      const norm = norms.find((n) => n.service === row.service);
      s = { service: row.service, name: row.name, unit: row.unit, months: [], normPerMonth: norm ? Number(norm.quantity) * norm.residents_count : null };
      series.push(s);
    }
    s.months.push({ period: row.period, quantity: Number(row.quantity), source: row.source as LineSource | null });
  }
  return series;
}
