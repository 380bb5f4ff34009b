// Dated billing rules. Values that change by law live here with the date they apply from.

/** The day of the following month a bill is due, by the date the rule applies from (ЖК РФ ст. 155 ч. 1). */
const DUE_DAY_RULES: { from: string; day: number }[] = [
  { from: '2026-03-01', day: 15 },
  { from: '1970-01-01', day: 10 },
];

/** A bill for `period` (first day of a month, YYYY-MM-DD) is due on this day of the next month. */
export function dueDateFor(period: string): string {
  const [year, month] = period.split('-').map(Number) as [number, number];
  const next = new Date(Date.UTC(year, month, 1)); // month is 1-based, so this is the next month
  const nextMonth = next.toISOString().slice(0, 7);
  const rule = DUE_DAY_RULES.find((r) => `${nextMonth}-01` >= r.from)!;
  return `${nextMonth}-${String(rule.day).padStart(2, '0')}`;
}

/** Kopecks for quantity × tariff, rounded half-up to a kopeck. */
export function chargeFor(quantity: number, tariffKopecks: number): number {
  return Math.round(Math.round(quantity * 1000) * tariffKopecks / 1000);
}
