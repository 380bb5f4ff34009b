import t from 'tap';
import { debtSlices, penaltyFor, type DebtSlice, type RateTables } from '../../../src/features/billing/penalty.js';

// The tables as the law has them: the cap of 9.5 % until 2027-01-01, key rates above it.
const RATES: RateTables = {
  keyRates: [
    { validFrom: '2025-10-27', value: 16.5 },
    { validFrom: '2026-10-26', value: 11 },
    { validFrom: '2027-03-01', value: 10 },
  ],
  caps: [
    { validFrom: '2022-02-28', value: 9.5 },
    { validFrom: '2027-01-01', value: null },
  ],
};

function slice(kind: DebtSlice['kind'], dueDate: string, amountKopecks: number, payments: DebtSlice['payments'] = []): DebtSlice {
  return { label: 'долг', kind, dueDate, amountKopecks, payments };
}

t.test("DOMAIN.md's worked check: 10 000 ₽ at 9.5 %, paid on day 120 of delay → 409,23 ₽", async (t) => {
  // Due 2026-02-10; day 120 is 2026-06-10.
  const result = penaltyFor([slice('utilities', '2026-02-10', 1_000_000, [{ date: '2026-06-10', amountKopecks: 1_000_000 }])], '2026-06-10', RATES);
  t.equal(result.totalKopecks, 40923);
  t.same(
    result.rows.map((r) => [r.from, r.to, r.days, r.divisor, r.ratePercent, r.baseKopecks]),
    [
      ['2026-03-13', '2026-05-11', 60, 300, 9.5, 1_000_000],
      ['2026-05-12', '2026-06-10', 30, 130, 9.5, 1_000_000],
    ],
  );
  t.equal(result.rows[0]!.amountKopecks, 19000);
});

t.test('no penalty for the first 30 days of delay; day 31 costs 1/300', async (t) => {
  t.equal(penaltyFor([slice('utilities', '2026-03-15', 1_000_000)], '2026-04-14', RATES).totalKopecks, 0);
  // 1 day × 10 000 ₽ × 9.5 % / 300 = 3,1667 ₽ → 3,17 ₽
  t.equal(penaltyFor([slice('utilities', '2026-03-15', 1_000_000)], '2026-04-15', RATES).totalKopecks, 317);
});

t.test('a key rate change inside the delay: the rate of the day of payment applies to every day', async (t) => {
  // 1 000 ₽ due 2027-01-15 (no cap any more), paid 2027-05-15, day 120; the key rate fell from 11 % to 10 % on 2027-03-01.
  // 60 × 1 000 × 0.10 / 300 = 20,00; 30 × 1 000 × 0.10 / 130 = 23,0769; total 43,0769 → 43,08 ₽
  const result = penaltyFor([slice('utilities', '2027-01-15', 100_000, [{ date: '2027-05-15', amountKopecks: 100_000 }])], '2027-05-15', RATES);
  t.equal(result.totalKopecks, 4308);
  t.ok(result.rows.every((r) => r.ratePercent === 10));
});

t.test('a partial payment lowers the base from the next day', async (t) => {
  // 10 000 ₽ due 2026-03-15; 4 000 ₽ paid on day 60 (2026-05-14), the rest on day 100 (2026-06-23).
  // days 31–60: 30 × 10 000 × 0.095 / 300 = 95,00
  // days 61–90: 30 × 6 000 × 0.095 / 300 = 57,00
  // days 91–100: 10 × 6 000 × 0.095 / 130 = 43,84615
  // total 195,84615 → 195,85 ₽
  const payments = [{ date: '2026-05-14', amountKopecks: 400_000 }, { date: '2026-06-23', amountKopecks: 600_000 }];
  const result = penaltyFor([slice('utilities', '2026-03-15', 1_000_000, payments)], '2026-06-30', RATES);
  t.equal(result.totalKopecks, 19585);
  t.same(result.rows.map((r) => [r.from, r.to, r.baseKopecks, r.divisor]), [
    ['2026-04-15', '2026-05-14', 1_000_000, 300],
    ['2026-05-15', '2026-06-13', 600_000, 300],
    ['2026-06-14', '2026-06-23', 600_000, 130],
  ]);
});

t.test('capital repair: 1/300 from the day after the due date, no 1/130 step', async (t) => {
  // 5 000 ₽ due 2026-03-15, 30 days: 30 × 5 000 × 0.095 / 300 = 47,50 ₽
  t.equal(penaltyFor([slice('capital_repair', '2026-03-15', 500_000)], '2026-04-14', RATES).totalKopecks, 4750);
  // 120 days, all at 1/300: 120 × 5 000 × 0.095 / 300 = 190,00 ₽
  const long = penaltyFor([slice('capital_repair', '2026-03-15', 500_000)], '2026-07-13', RATES);
  t.equal(long.totalKopecks, 19000);
  t.ok(long.rows.every((r) => r.divisor === 300));
});

t.test('a debt spanning 2026-12-31 → 2027-01-01: capped days at 9.5 %, later days at the key rate', async (t) => {
  // 10 000 ₽ due 2026-10-15, unpaid, counted to 2027-01-31 (key rate that day 11 %).
  // days 31–77 (2026-11-15…2026-12-31): 47 × 10 000 × 0.095 / 300 = 148,8333
  // days 78–90 (2027-01-01…2027-01-13): 13 × 10 000 × 0.11 / 300 = 47,6667
  // days 91–108 (2027-01-14…2027-01-31): 18 × 10 000 × 0.11 / 130 = 152,3077
  // total 348,8077 → 348,81 ₽
  const result = penaltyFor([slice('utilities', '2026-10-15', 1_000_000)], '2027-01-31', RATES);
  t.equal(result.totalKopecks, 34881);
  t.same(result.rows.map((r) => [r.from, r.to, r.days, r.ratePercent, r.divisor]), [
    ['2026-11-15', '2026-12-31', 47, 9.5, 300],
    ['2027-01-01', '2027-01-13', 13, 11, 300],
    ['2027-01-14', '2027-01-31', 18, 11, 130],
  ]);
});

t.test('rounded half-up once, at the end, not per stretch', async (t) => {
  // Two slices of 10 ₽ at day 31: each 0,3167 kopecks; per stretch they would round to 0.
  const slices = [slice('utilities', '2026-03-15', 1000), slice('utilities', '2026-03-15', 1000)];
  const result = penaltyFor(slices, '2026-04-15', RATES);
  t.equal(result.rows.length, 2);
  t.ok(result.rows.every((r) => Math.round(r.amountKopecks) === 0));
  t.equal(result.totalKopecks, 1); // 0,6333 kopecks → 1
});

t.test('payments go to the oldest slice first, or to the period named', async (t) => {
  const bills = [
    { period: '2026-09-01', label: 'сентябрь', dueDate: '2026-10-15', utilitiesKopecks: 500_000, capitalRepairKopecks: 100_000 },
    { period: '2026-10-01', label: 'октябрь', dueDate: '2026-11-15', utilitiesKopecks: 400_000, capitalRepairKopecks: 100_000 },
  ];
  const oldestFirst = debtSlices(bills, [{ date: '2026-11-01', amountKopecks: 550_000, forPeriod: null }]);
  t.same(oldestFirst.map((s) => s.payments.reduce((sum, p) => sum + p.amountKopecks, 0)), [500_000, 50_000, 0, 0]);
  const named = debtSlices(bills, [{ date: '2026-11-01', amountKopecks: 550_000, forPeriod: '2026-10-01' }]);
  t.same(named.map((s) => s.payments.reduce((sum, p) => sum + p.amountKopecks, 0)), [50_000, 0, 400_000, 100_000]);
  // A penalty is never charged on the paid part after its payment day.
  const penalty = penaltyFor(oldestFirst, '2026-12-31', RATES);
  t.ok(penalty.rows.every((r) => r.baseKopecks <= 400_000 || r.label !== 'сентябрь, коммунальные услуги'));
});
