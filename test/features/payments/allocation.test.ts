import t from 'tap';
import fc from 'fast-check';
import { allocatePayment, billingRows, totalDue, type AccountDebt, type OpenLine } from '../../../src/features/payments/allocation.js';
import { debtSlices, penaltyFor, type RateTables } from '../../../src/features/billing/penalty.js';

const MANAGER = 1;
const FUND = 2;
const ENERGY = 3;

function line(billId: number, period: string, service: string, unpaidKopecks: number): OpenLine {
  const payeeId = service === 'capital_repair' ? FUND : service === 'electricity' ? ENERGY : MANAGER;
  return { billId, period, service, payeeId, penaltyKind: service === 'capital_repair' ? 'capital_repair' : 'utilities', unpaidKopecks };
}

const DEBT: AccountDebt = {
  lines: [
    line(1, '2026-09-01', 'maintenance', 300000),
    line(1, '2026-09-01', 'electricity', 100000),
    line(1, '2026-09-01', 'capital_repair', 100000),
    line(2, '2026-10-01', 'maintenance', 300000),
    line(2, '2026-10-01', 'electricity', 200000),
    line(2, '2026-10-01', 'capital_repair', 100000),
  ],
  penalty: { billId: 2, unpaidKopecks: 5000 },
  mainPayeeId: MANAGER,
};

const sum = (parts: { amountKopecks: number }[]) => parts.reduce((s, p) => s + p.amountKopecks, 0);

t.test('without a period: the oldest period first, in proportion to each line within it', async (t) => {
  const parts = allocatePayment(DEBT, { amountKopecks: 250000, forPeriod: null, items: [] });
  t.same(
    parts.map((p) => (p.kind === 'debt' ? [p.period, p.service, p.payeeId, p.amountKopecks] : [p.kind])),
    [
      ['2026-09-01', 'maintenance', MANAGER, 150000],
      ['2026-09-01', 'electricity', ENERGY, 50000],
      ['2026-09-01', 'capital_repair', FUND, 50000],
    ],
  );
  const all = allocatePayment(DEBT, { amountKopecks: 600000, forPeriod: null, items: [] });
  t.equal(sum(all.filter((p) => p.kind === 'debt' && p.period === '2026-09-01')), 500000, 'September paid in full first');
  t.equal(sum(all.filter((p) => p.kind === 'debt' && p.period === '2026-10-01')), 100000, 'the rest to October');
});

t.test('a named period is paid first, then the oldest', async (t) => {
  const parts = allocatePayment(DEBT, { amountKopecks: 700000, forPeriod: '2026-10-01', items: [] });
  t.equal(sum(parts.filter((p) => p.kind === 'debt' && p.period === '2026-10-01')), 600000);
  t.equal(sum(parts.filter((p) => p.kind === 'debt' && p.period === '2026-09-01')), 100000);
});

t.test('chosen services get their amounts, oldest period first; what is above their debt is an advance', async (t) => {
  const parts = allocatePayment(DEBT, { amountKopecks: 450000, forPeriod: null, items: [{ service: 'electricity', amountKopecks: 450000 }] });
  t.same(
    parts.map((p) => [p.kind, p.kind === 'debt' ? p.period : null, p.payeeId, p.amountKopecks]),
    [
      ['debt', '2026-09-01', ENERGY, 100000],
      ['debt', '2026-10-01', ENERGY, 200000],
      ['advance', null, MANAGER, 150000],
    ],
  );
});

t.test('the penalty only after all the debt, then an advance; split by payee', async (t) => {
  const total = totalDue(DEBT);
  t.equal(total, 1105000);
  const parts = allocatePayment(DEBT, { amountKopecks: total + 10000, forPeriod: null, items: [] });
  t.same(parts.filter((p) => p.kind !== 'debt').map((p) => [p.kind, p.amountKopecks]), [['penalty', 5000], ['advance', 10000]]);
  const byPayee = new Map<number, number>();
  for (const p of parts) byPayee.set(p.payeeId, (byPayee.get(p.payeeId) ?? 0) + p.amountKopecks);
  t.same([...byPayee].sort(), [[MANAGER, 615000], [FUND, 200000], [ENERGY, 300000]].sort());
  const short = allocatePayment(DEBT, { amountKopecks: total - 5000, forPeriod: null, items: [] });
  t.notOk(short.some((p) => p.kind === 'penalty'), 'no penalty while any debt is left');
});

t.test('parts always add up to the payment, and never exceed a line’s debt (property)', async (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 5_000_00 }), { minLength: 6, maxLength: 6 }),
      fc.integer({ min: 1, max: 50_000_00 }),
      fc.constantFrom(null, '2026-09-01', '2026-10-01'),
      (amounts, amount, forPeriod) => {
        const debt: AccountDebt = { ...DEBT, lines: DEBT.lines.map((l, i) => ({ ...l, unpaidKopecks: amounts[i]! })) };
        const parts = allocatePayment(debt, { amountKopecks: amount, forPeriod, items: [] });
        if (sum(parts) !== amount) return false;
        if (parts.some((p) => p.amountKopecks <= 0 || !Number.isInteger(p.amountKopecks))) return false;
        return debt.lines.every((l) => sum(parts.filter((p) => p.kind === 'debt' && p.billId === l.billId && p.service === l.service)) <= l.unpaidKopecks);
      },
    ),
  );
  t.pass();
});

t.test('penalties stop on the payment day: billing reads the allocated slices', async (t) => {
  const rates: RateTables = { keyRates: [{ validFrom: '2025-01-01', value: 16 }], caps: [{ validFrom: '2022-02-28', value: 9.5 }] };
  const bills = [{ period: '2026-06-01', label: 'июнь 2026 г.', dueDate: '2026-07-15', utilitiesKopecks: 400000, capitalRepairKopecks: 100000 }];
  const debt: AccountDebt = {
    lines: [line(1, '2026-06-01', 'maintenance', 400000), line(1, '2026-06-01', 'capital_repair', 100000)],
    penalty: null,
    mainPayeeId: MANAGER,
  };
  // The resident pays only the capital repair contribution on 2026-09-01.
  const parts = allocatePayment(debt, { amountKopecks: 100000, forPeriod: null, items: [{ service: 'capital_repair', amountKopecks: 100000 }] });
  const payments = billingRows(parts).map((r) => ({ date: '2026-09-01', amountKopecks: r.amountKopecks, forPeriod: r.forPeriod, penaltyKind: r.penaltyKind }));
  t.same(payments, [{ date: '2026-09-01', amountKopecks: 100000, forPeriod: '2026-06-01', penaltyKind: 'capital_repair' }]);
  const slices = debtSlices(bills, payments);
  const capitalRepair = (asOf: string) => penaltyFor(slices.filter((s) => s.kind === 'capital_repair'), asOf, rates).totalKopecks;
  const utilities = (asOf: string) => penaltyFor(slices.filter((s) => s.kind === 'utilities'), asOf, rates).totalKopecks;
  t.ok(capitalRepair('2026-09-01') > 0, 'the contribution was late');
  t.equal(capitalRepair('2026-12-31'), capitalRepair('2026-09-01'), 'its penalty stopped on the payment day');
  t.ok(utilities('2026-12-31') > utilities('2026-09-01'), 'the unpaid utilities keep accruing');
});
