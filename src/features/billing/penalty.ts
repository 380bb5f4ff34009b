// Penalties (пени), Housing Code art. 155 parts 14 and 14.1, as pure functions.
//
// - Housing and utilities (part 14): nothing for days 1–30 of delay, 1/300 of the
//   rate per day for days 31–90, 1/130 from day 91.
// - Capital repair (part 14.1): 1/300 from day 1, no grace and no 1/130 step.
// - Each slice of debt runs from its own due date; a payment lowers the base from
//   the day after it (the paid money is counted up to and including its day).
// - The rate is the key rate on the day of payment (for a part still unpaid: the
//   day of the calculation), but not above the cap in force on each day of delay
//   (9.5 % until 2027-01-01, decree № 474 of 2022). Both come as dated rows, so
//   the end of the cap is a data change.
// - The sum is exact (integer arithmetic) and rounded half-up to the kopeck once,
//   at the end. A penalty is never a base for another penalty: slices are principal.
import { addDays, daysBetween } from '../../lib/calendar.js';
import { inForce, type Dated } from './rules.js';

export type PenaltyKind = 'utilities' | 'capital_repair';

export type DebtSlice = {
  /** What the resident reads, e.g. «ноябрь 2026 г., коммунальные услуги». */
  label: string;
  kind: PenaltyKind;
  dueDate: string;
  amountKopecks: number;
  /** Payments allocated to this slice (by the caller: the named period, else the oldest first). */
  payments: { date: string; amountKopecks: number }[];
};

export type RateTables = {
  /** Key rates in percent. */
  keyRates: Dated<number>[];
  /** The cap in percent; null from a date on means no cap. */
  caps: Dated<number | null>[];
};

/** One line of «Расчёт пеней»: a stretch of days with one base, rate and fraction. */
export type PenaltyRow = {
  label: string;
  kind: PenaltyKind;
  from: string;
  to: string;
  days: number;
  /** Delay days of the stretch, counted from the day after the due date. */
  firstDelayDay: number;
  baseKopecks: number;
  ratePercent: number;
  divisor: 300 | 130;
  /** Unrounded kopecks, for the table; only the total is rounded. */
  amountKopecks: number;
};

export type PenaltyBreakdown = { rows: PenaltyRow[]; totalKopecks: number };

// Rates come with up to 3 decimals (thousandths of a percent); 300 and 130 share 3 900.
const RATE_SCALE = 1000n;
const COMMON_DIVISOR = 3900n;
const DENOMINATOR = 100n * RATE_SCALE * COMMON_DIVISOR;

function roundHalfUp(numerator: bigint, denominator: bigint): number {
  if (numerator <= 0n) return 0;
  return Number((numerator * 2n + denominator) / (denominator * 2n));
}

function rateOn(day: string, rateDay: string, rates: RateTables): number {
  const key = inForce(rates.keyRates, rateDay);
  if (key === undefined) throw new Error(`no key rate in force on ${rateDay}`);
  const cap = inForce(rates.caps, day);
  return cap === undefined || cap === null ? key : Math.min(cap, key);
}

function sliceRows(slice: DebtSlice, asOf: string, rates: RateTables): { rows: PenaltyRow[]; numerator: bigint } {
  const payments = slice.payments.filter((p) => p.date <= asOf).sort((a, b) => a.date.localeCompare(b.date));
  const firstDay = addDays(slice.dueDate, slice.kind === 'capital_repair' ? 1 : 31);
  const end = addDays(asOf, 1);
  if (firstDay >= end) return { rows: [], numerator: 0n };

  // Each stretch starts where the base, the fraction or the cap may change.
  const starts = new Set([firstDay]);
  if (slice.kind === 'utilities') starts.add(addDays(slice.dueDate, 91));
  for (const p of payments) starts.add(addDays(p.date, 1));
  for (const cap of rates.caps) starts.add(cap.validFrom);
  const bounds = [...starts].filter((d) => d >= firstDay && d < end).sort();
  bounds.push(end);

  const rows: PenaltyRow[] = [];
  let numerator = 0n;
  for (let i = 0; i + 1 < bounds.length; i += 1) {
    const from = bounds[i]!;
    const to = addDays(bounds[i + 1]!, -1);
    const base = slice.amountKopecks - payments.filter((p) => p.date < from).reduce((sum, p) => sum + p.amountKopecks, 0);
    if (base <= 0) break;
    const firstDelayDay = daysBetween(slice.dueDate, from);
    const divisor = slice.kind === 'utilities' && firstDelayDay >= 91 ? 130 : 300;
    // The money of this stretch is paid by the first payment on or after its last day.
    const rateDay = payments.find((p) => p.date >= to)?.date ?? asOf;
    const ratePercent = rateOn(from, rateDay, rates);
    const days = daysBetween(from, to) + 1;
    const rateScaled = BigInt(Math.round(ratePercent * Number(RATE_SCALE)));
    numerator += BigInt(base) * BigInt(days) * rateScaled * (COMMON_DIVISOR / BigInt(divisor));
    rows.push({
      label: slice.label,
      kind: slice.kind,
      from,
      to,
      days,
      firstDelayDay,
      baseKopecks: base,
      ratePercent,
      divisor,
      amountKopecks: (base * days * ratePercent) / 100 / divisor,
    });
  }
  return { rows, numerator };
}

/** The penalty on `slices` as of `asOf` (inclusive), with the stretches it was made of. */
export function penaltyFor(slices: DebtSlice[], asOf: string, rates: RateTables): PenaltyBreakdown {
  let numerator = 0n;
  const rows: PenaltyRow[] = [];
  for (const slice of slices) {
    const part = sliceRows(slice, asOf, rates);
    numerator += part.numerator;
    rows.push(...part.rows);
  }
  return { rows, totalKopecks: roundHalfUp(numerator, DENOMINATOR) };
}

/**
 * Debt slices of an account from its bills and payments: each bill's charge is two
 * slices (utilities, capital repair) due on its due date; payments go to the oldest
 * unpaid slice first (Civil Code art. 319.1), or to the period the payer named (and
 * to the slice of it, for a payment allocated by service).
 */
export function debtSlices(
  bills: { period: string; label: string; dueDate: string; utilitiesKopecks: number; capitalRepairKopecks: number }[],
  payments: { date: string; amountKopecks: number; forPeriod: string | null; penaltyKind?: PenaltyKind | null }[],
): DebtSlice[] {
  const ordered = [...bills].sort((a, b) => a.period.localeCompare(b.period));
  const slices = ordered.flatMap((bill) => [
    { period: bill.period, slice: { label: `${bill.label}, коммунальные услуги`, kind: 'utilities' as const, dueDate: bill.dueDate, amountKopecks: bill.utilitiesKopecks, payments: [] as DebtSlice['payments'] } },
    { period: bill.period, slice: { label: `${bill.label}, взнос на капремонт`, kind: 'capital_repair' as const, dueDate: bill.dueDate, amountKopecks: bill.capitalRepairKopecks, payments: [] as DebtSlice['payments'] } },
  ]);
  const unpaid = (s: DebtSlice) => s.amountKopecks - s.payments.reduce((sum, p) => sum + p.amountKopecks, 0);
  const allocate = (candidates: typeof slices, date: string, amount: number): number => {
    for (const { slice } of candidates) {
      if (amount <= 0) break;
      const part = Math.min(unpaid(slice), amount);
      if (part <= 0) continue;
      slice.payments.push({ date, amountKopecks: part });
      amount -= part;
    }
    return amount;
  };
  for (const payment of [...payments].sort((a, b) => a.date.localeCompare(b.date))) {
    let left = payment.amountKopecks;
    // An online payment names the slice it was allocated to (features/payments/allocation.ts).
    if (payment.forPeriod && payment.penaltyKind) {
      left = allocate(slices.filter((s) => s.period === payment.forPeriod && s.slice.kind === payment.penaltyKind), payment.date, left);
    }
    if (payment.forPeriod) left = allocate(slices.filter((s) => s.period === payment.forPeriod), payment.date, left);
    allocate(slices, payment.date, left);
  }
  return slices.map((s) => s.slice).filter((s) => s.amountKopecks > 0);
}
