// Pure rules of the bill as the resident sees it: its state, the split of the
// amount due between payees, the payment QR text, and the consumption chart.

export type BillState = 'paid' | 'partly_paid' | 'unpaid' | 'overdue';

export const BILL_STATE_LABELS: Record<BillState, string> = {
  paid: 'Оплачен',
  partly_paid: 'Оплачен частично',
  unpaid: 'Не оплачен',
  overdue: 'Просрочен',
};

/** A bill is paid when the payments after it cover its amount due; unpaid money after the due date is overdue. */
export function billState(input: { amountDueKopecks: number; paidAfterKopecks: number; dueDate: string; today: string }): BillState {
  if (input.amountDueKopecks <= 0 || input.paidAfterKopecks >= input.amountDueKopecks) return 'paid';
  if (input.today > input.dueDate) return 'overdue';
  return input.paidAfterKopecks > 0 ? 'partly_paid' : 'unpaid';
}

/**
 * `total` split in proportion to `weights` (Правила 354, п. 118), in whole kopecks
 * that add up to `total`: the largest remainders get the leftover kopecks.
 */
export function splitByWeight(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum <= 0) return weights.map((_, i) => (i === 0 ? total : 0));
  const exact = weights.map((w) => (total * w) / sum);
  const shares = exact.map(Math.floor);
  let left = total - shares.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => ({ i, rest: e - Math.floor(e) })).sort((a, b) => b.rest - a.rest || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    shares[i]! += 1;
    left -= 1;
  }
  return shares;
}

export type QrPayee = { name: string; account: string; bankName: string; bic: string; corrAccount: string; inn: string; kpp: string };

// Values may not contain the separator; the standard has no escape for it.
function clean(value: string): string {
  return value.replace(/\|/g, ' ').trim();
}

/**
 * The ГОСТ Р 56042-2014 payment string: "ST0001" + "2" (UTF-8), the required
 * fields (Name, PersonalAcc, BankName, BIC, CorrespAcc), then the additional ones.
 * Sum is in kopecks, PaymPeriod is MMYYYY.
 */
export function paymentQr(input: { payee: QrPayee; sumKopecks: number; payerCode: string; period: string }): string {
  const mm = input.period.slice(5, 7);
  const yyyy = input.period.slice(0, 4);
  const fields: [string, string][] = [
    ['Name', input.payee.name],
    ['PersonalAcc', input.payee.account],
    ['BankName', input.payee.bankName],
    ['BIC', input.payee.bic],
    ['CorrespAcc', input.payee.corrAccount],
    ['PayeeINN', input.payee.inn],
    ['KPP', input.payee.kpp],
    ['Sum', String(input.sumKopecks)],
    ['Purpose', `Оплата ЖКУ за ${mm}.${yyyy}, лицевой счёт ${input.payerCode}`],
    ['PersAcc', input.payerCode],
    ['PaymPeriod', `${mm}${yyyy}`],
  ];
  return `ST00012|${fields.map(([k, v]) => `${k}=${clean(v)}`).join('|')}`;
}

export type ChartBar = { period: string; quantity: number; x: number; y: number; height: number; high: boolean; estimated: boolean };
export type Chart = {
  width: number;
  height: number;
  bars: ChartBar[];
  barWidth: number;
  averageY: number;
  normY: number | null;
  max: number;
  average: number;
  /** Months above twice the usual consumption (a possible leak). */
  high: string[];
};

/**
 * Bars for the months, a line for the resident's average and one for the norm.
 * "Usual" for the leak warning is the median of the other months, so one leak does
 * not raise its own yardstick.
 */
export function consumptionChart(months: { period: string; quantity: number; source: string | null }[], norm: number | null, size = { width: 640, height: 200 }): Chart {
  const quantities = months.map((m) => m.quantity);
  const average = quantities.length > 0 ? quantities.reduce((a, b) => a + b, 0) / quantities.length : 0;
  const max = Math.max(1e-9, ...quantities, norm ?? 0) * 1.1;
  const slot = size.width / Math.max(months.length, 1);
  const barWidth = Math.max(4, slot * 0.7);
  const yOf = (q: number) => size.height - (q / max) * size.height;
  const high: string[] = [];
  const bars = months.map((m, i) => {
    const others = quantities.filter((_, j) => j !== i).sort((a, b) => a - b);
    const median = others.length === 0 ? 0 : others.length % 2 ? others[(others.length - 1) / 2]! : (others[others.length / 2 - 1]! + others[others.length / 2]!) / 2;
    const isHigh = others.length >= 3 && median > 0 && m.quantity > 2 * median;
    if (isHigh) high.push(m.period);
    const y = yOf(m.quantity);
    return { period: m.period, quantity: m.quantity, x: i * slot + (slot - barWidth) / 2, y, height: size.height - y, high: isHigh, estimated: m.source !== 'reading' };
  });
  return { ...size, bars, barWidth, averageY: yOf(average), normY: norm === null ? null : yOf(norm), max, average, high };
}
