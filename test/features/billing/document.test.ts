import t from 'tap';
import { billState, consumptionChart, paymentQr, splitByWeight } from '../../../src/features/billing/document.js';

t.test('bill states: paid, partly paid, unpaid, overdue', async (t) => {
  const base = { amountDueKopecks: 100_00, dueDate: '2026-12-15' };
  t.equal(billState({ ...base, paidAfterKopecks: 100_00, today: '2026-12-20' }), 'paid');
  t.equal(billState({ ...base, paidAfterKopecks: 40_00, today: '2026-12-10' }), 'partly_paid');
  t.equal(billState({ ...base, paidAfterKopecks: 0, today: '2026-12-15' }), 'unpaid', 'the due date itself is not late');
  t.equal(billState({ ...base, paidAfterKopecks: 40_00, today: '2026-12-16' }), 'overdue');
  t.equal(billState({ ...base, amountDueKopecks: -5_00, paidAfterKopecks: 0, today: '2027-01-01' }), 'paid', 'an overpayment owes nothing');
});

t.test('the amount due is split between payees in proportion, to the kopeck', async (t) => {
  t.same(splitByWeight(100, [1, 1, 1]), [34, 33, 33]);
  t.same(splitByWeight(1000, [700, 200, 100]), [700, 200, 100]);
  t.same(splitByWeight(1001, [2, 1]), [667, 334]);
  t.same(splitByWeight(50, [0, 0]), [50, 0]);
  const parts = splitByWeight(868525, [454525, 114000, 100000]);
  t.equal(parts.reduce((a, b) => a + b, 0), 868525);
});

t.test('the ГОСТ Р 56042-2014 payment string for a known bill', async (t) => {
  const qr = paymentQr({
    payee: {
      name: 'ГБУ «Жилищник района Тверской»', account: '40603810938000001234', bankName: 'ПАО Сбербанк', bic: '044525225',
      corrAccount: '30101810400000000225', inn: '7710012349', kpp: '771001001',
    },
    sumKopecks: 1234567,
    payerCode: '7700000010',
    period: '2026-11-01',
  });
  t.equal(
    qr,
    'ST00012|Name=ГБУ «Жилищник района Тверской»|PersonalAcc=40603810938000001234|BankName=ПАО Сбербанк|BIC=044525225' +
      '|CorrespAcc=30101810400000000225|PayeeINN=7710012349|KPP=771001001|Sum=1234567' +
      '|Purpose=Оплата ЖКУ за 11.2026, лицевой счёт 7700000010|PersAcc=7700000010|PaymPeriod=112026',
  );
  const piped = paymentQr({ payee: { name: 'A|B', account: '1', bankName: 'b', bic: '1', corrAccount: '1', inn: '1', kpp: '1' }, sumKopecks: 1, payerCode: '1', period: '2026-01-01' });
  t.match(piped, /\|Name=A B\|/, 'a separator inside a value is replaced');
});

t.test('the consumption chart marks a month over twice the usual and scales to the largest value', async (t) => {
  const months = ['01', '02', '03', '04', '05', '06'].map((m, i) => ({ period: `2026-${m}-01`, quantity: i === 5 ? 21 : 7 + (i % 2), source: i === 2 ? 'average' : 'reading' }));
  const chart = consumptionChart(months, 13.87, { width: 600, height: 100 });
  t.same(chart.high, ['2026-06-01']);
  t.equal(chart.bars.length, 6);
  t.ok(chart.bars[2]!.estimated);
  t.ok(Math.abs(chart.bars[5]!.height - 100 / 1.1) < 1e-9, 'the largest bar leaves a tenth of headroom');
  t.ok(chart.normY !== null && chart.normY < chart.averageY, 'the norm line sits above the average here');
  t.same(consumptionChart([{ period: '2026-01-01', quantity: 5, source: 'reading' }], null).high, [], 'one month is no yardstick');
});
