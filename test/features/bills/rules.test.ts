import t from 'tap';
import { chargeFor, dueDateFor } from '../../../src/features/bills/rules.js';

t.test('a bill is due on the 15th of the next month since March 2026, the 10th before', async (t) => {
  t.equal(dueDateFor('2026-10-01'), '2026-11-15');
  t.equal(dueDateFor('2026-02-01'), '2026-03-15');
  t.equal(dueDateFor('2026-01-01'), '2026-02-10');
  t.equal(dueDateFor('2025-12-01'), '2026-01-10');
});

t.test('a charge is quantity × tariff rounded half-up to a kopeck', async (t) => {
  t.equal(chargeFor(6.935, 6577), 45611); // 456,11495 ₽ → 456,11
  t.equal(chargeFor(54.3, 3412), 185272); // 1 852,716 ₽ → 1 852,72
  t.equal(chargeFor(0.5, 1), 1); // half a kopeck rounds up
  t.equal(chargeFor(0, 31250), 0);
});
