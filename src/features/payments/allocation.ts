// Allocation of a payment (DOMAIN.md, Paying): to the period the payer named,
// otherwise to the oldest unpaid period first (Civil Code art. 319.1); within a
// period to the services the payer chose, otherwise in proportion to each
// service's charge still unpaid (Правила 354, п. 118). Penalties only after all
// the debt; what is left is an advance. Pure functions over kopecks: the parts of a
// payment always add up to its amount.
import { splitByWeight } from '../billing/document.js';

/** What is still unpaid of one bill line (one service of one period, for one payee). */
export type OpenLine = {
  billId: number;
  period: string;
  service: string;
  payeeId: number;
  penaltyKind: 'utilities' | 'capital_repair';
  unpaidKopecks: number;
};

export type AllocationPart =
  | { kind: 'debt'; billId: number; period: string; service: string; payeeId: number; penaltyKind: OpenLine['penaltyKind']; amountKopecks: number }
  | { kind: 'penalty'; billId: number; payeeId: number; amountKopecks: number }
  | { kind: 'advance'; payeeId: number; amountKopecks: number };

export type PaymentToAllocate = {
  amountKopecks: number;
  forPeriod: string | null;
  /** Chosen services with their amounts; empty: the whole debt by the rules. */
  items: { service: string; amountKopecks: number }[];
};

export type AccountDebt = {
  lines: OpenLine[];
  /** The penalty on the latest bill still unpaid, and who receives it (the managing organisation). */
  penalty: { billId: number; unpaidKopecks: number } | null;
  /** The managing organisation: advances and penalties go to it. */
  mainPayeeId: number;
};

/** The named period's lines first, then every period from the oldest. */
function periodsInOrder(lines: OpenLine[], forPeriod: string | null): string[] {
  const periods = [...new Set(lines.map((l) => l.period))].sort();
  return forPeriod && periods.includes(forPeriod) ? [forPeriod, ...periods.filter((p) => p !== forPeriod)] : periods;
}

/**
 * Spreads `amount` over `lines` period by period, in proportion to what is unpaid
 * within a period; lowers the lines' unpaid sums. Returns what was not needed.
 */
function spread(lines: OpenLine[], amount: number, forPeriod: string | null, parts: AllocationPart[]): number {
  let left = amount;
  for (const period of periodsInOrder(lines, forPeriod)) {
    if (left <= 0) break;
    const open = lines.filter((l) => l.period === period && l.unpaidKopecks > 0);
    const unpaid = open.reduce((sum, l) => sum + l.unpaidKopecks, 0);
    if (unpaid === 0) continue;
    const shares = left >= unpaid ? open.map((l) => l.unpaidKopecks) : splitByWeight(left, open.map((l) => l.unpaidKopecks));
    open.forEach((line, i) => {
      const share = shares[i]!;
      if (share <= 0) return;
      line.unpaidKopecks -= share;
      left -= share;
      parts.push({ kind: 'debt', billId: line.billId, period: line.period, service: line.service, payeeId: line.payeeId, penaltyKind: line.penaltyKind, amountKopecks: share });
    });
  }
  return left;
}

/**
 * The parts of one payment. `debt` is not changed: the caller's copy of the lines is
 * cloned, so one debt can be allocated again (a replay of older payments, a preview).
 */
export function allocatePayment(debt: AccountDebt, payment: PaymentToAllocate): AllocationPart[] {
  const lines = debt.lines.map((l) => ({ ...l }));
  const parts: AllocationPart[] = [];
  let left = payment.amountKopecks;
  if (payment.items.length > 0) {
    for (const item of payment.items) {
      const ofService = lines.filter((l) => l.service === item.service);
      const rest = spread(ofService, Math.min(item.amountKopecks, left), payment.forPeriod, parts);
      left -= Math.min(item.amountKopecks, left) - rest;
    }
  } else {
    left = spread(lines, left, payment.forPeriod, parts);
  }
  // Penalties only once every line is paid (or when nothing of the chosen services is left to pay them).
  const debtLeft = lines.some((l) => l.unpaidKopecks > 0);
  if (left > 0 && !debtLeft && debt.penalty && debt.penalty.unpaidKopecks > 0) {
    const paid = Math.min(left, debt.penalty.unpaidKopecks);
    parts.push({ kind: 'penalty', billId: debt.penalty.billId, payeeId: debt.mainPayeeId, amountKopecks: paid });
    left -= paid;
  }
  if (left > 0) parts.push({ kind: 'advance', payeeId: debt.mainPayeeId, amountKopecks: left });
  return mergeParts(parts);
}

/** One part per line (a line may be reached twice: a named period, then the oldest first). */
function mergeParts(parts: AllocationPart[]): AllocationPart[] {
  const merged = new Map<string, AllocationPart>();
  for (const part of parts) {
    const key = part.kind === 'debt' ? `debt:${part.billId}:${part.service}:${part.payeeId}` : part.kind;
    const existing = merged.get(key);
    if (existing) existing.amountKopecks += part.amountKopecks;
    else merged.set(key, { ...part });
  }
  return [...merged.values()];
}

/** The debt after some parts were paid: for replaying earlier payments in order. */
export function afterParts(debt: AccountDebt, parts: AllocationPart[]): AccountDebt {
  const lines = debt.lines.map((l) => ({ ...l }));
  let penalty = debt.penalty ? { ...debt.penalty } : null;
  for (const part of parts) {
    if (part.kind === 'debt') {
      const line = lines.find((l) => l.billId === part.billId && l.service === part.service && l.payeeId === part.payeeId);
      if (line) line.unpaidKopecks = Math.max(0, line.unpaidKopecks - part.amountKopecks);
    } else if (part.kind === 'penalty' && penalty && penalty.billId === part.billId) {
      penalty = { ...penalty, unpaidKopecks: Math.max(0, penalty.unpaidKopecks - part.amountKopecks) };
    }
  }
  return { ...debt, lines, penalty };
}

/** All that is owed: every unpaid line and the unpaid penalty («Оплатить всё»). */
export function totalDue(debt: AccountDebt): number {
  return debt.lines.reduce((sum, l) => sum + l.unpaidKopecks, 0) + (debt.penalty?.unpaidKopecks ?? 0);
}

/** Per service: what is owed of it over every period (the «chosen services» form). */
export function dueByService(debt: AccountDebt): Map<string, number> {
  const due = new Map<string, number>();
  for (const line of debt.lines) if (line.unpaidKopecks > 0) due.set(line.service, (due.get(line.service) ?? 0) + line.unpaidKopecks);
  return due;
}

/**
 * The rows billing counts (its `payments` table): one per period and penalty kind a
 * debt part paid, so a penalty stops on exactly that slice from the payment's day,
 * and one without a period for the penalty and the advance together.
 */
export function billingRows(parts: AllocationPart[]): { forPeriod: string | null; penaltyKind: OpenLine['penaltyKind'] | null; amountKopecks: number }[] {
  const rows = new Map<string, { forPeriod: string | null; penaltyKind: OpenLine['penaltyKind'] | null; amountKopecks: number }>();
  for (const part of parts) {
    const forPeriod = part.kind === 'debt' ? part.period : null;
    const penaltyKind = part.kind === 'debt' ? part.penaltyKind : null;
    const key = `${forPeriod}:${penaltyKind}`;
    const row = rows.get(key) ?? { forPeriod, penaltyKind, amountKopecks: 0 };
    row.amountKopecks += part.amountKopecks;
    rows.set(key, row);
  }
  return [...rows.values()].sort((a, b) => (a.forPeriod ?? '9999').localeCompare(b.forPeriod ?? '9999') || String(a.penaltyKind).localeCompare(String(b.penaltyKind)));
}
