import t from 'tap';
import { MAX_ATTEMPTS, checkSettings, chargeDateOf, decideCharge, isChargeDay, isReminderDay, nextAttemptAfterFailure } from '../../../src/features/autopayment/rules.js';

t.test('the charge day and the reminder the day before, across month ends', async (t) => {
  t.equal(chargeDateOf('2026-12-02', 15), '2026-12-15');
  t.ok(isChargeDay('2026-12-15', 15));
  t.notOk(isChargeDay('2026-12-14', 15));
  t.notOk(isChargeDay('2026-12-16', 15));
  t.ok(isReminderDay('2026-12-14', 15));
  t.notOk(isReminderDay('2026-12-15', 15));
  t.ok(isReminderDay('2026-11-30', 1), 'the day before the 1st is the last day of the previous month');
  t.ok(isReminderDay('2026-02-27', 28));
  t.ok(isChargeDay('2026-02-28', 28), 'day 28 exists in February');
});

t.test('the whole amount due within the limit, nothing above it', async (t) => {
  t.same(decideCharge(500000, 500000), { kind: 'charge', amountKopecks: 500000 }, 'exactly the limit is charged');
  t.same(decideCharge(500001, 500000), { kind: 'over_limit', amountKopecks: 500001 });
  t.same(decideCharge(0, 500000), { kind: 'nothing_due' });
  t.same(decideCharge(-100, 500000), { kind: 'nothing_due' }, 'an overpayment charges nothing');
});

t.test('a declined charge is retried the next day, at most as many times as README says', async (t) => {
  t.equal(MAX_ATTEMPTS, 3);
  t.equal(nextAttemptAfterFailure(1, '2026-12-15'), '2026-12-16');
  t.equal(nextAttemptAfterFailure(2, '2026-12-16'), '2026-12-17');
  t.equal(nextAttemptAfterFailure(3, '2026-12-17'), null);
});

t.test('settings: a day from 1 to 28 and a positive limit in rubles', async (t) => {
  t.same(checkSettings({ chargeDay: '10', maxAmount: '7 500,50' }), { errors: {}, settings: { chargeDay: 10, maxKopecks: 750050 } });
  t.match(checkSettings({ chargeDay: '29', maxAmount: '100' }).errors, { chargeDay: /от 1 до 28/ });
  t.match(checkSettings({ chargeDay: '0', maxAmount: '100' }).errors, { chargeDay: /от 1 до 28/ });
  t.match(checkSettings({ chargeDay: 'пятница', maxAmount: '' }).errors, { chargeDay: /от 1 до 28/, maxAmount: /Введите сумму/ });
  t.match(checkSettings({ chargeDay: '5', maxAmount: '0' }).errors, { maxAmount: /больше нуля/ });
  t.match(checkSettings({ chargeDay: '5', maxAmount: '2000000' }).errors, { maxAmount: /не больше/ });
  t.equal(checkSettings({ chargeDay: '5', maxAmount: 'abc' }).settings, null);
});
