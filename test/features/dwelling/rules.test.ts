import t from 'tap';
import { firstPeriodOfChange, parseArea, parseResidentsCount } from '../../../src/features/dwelling/rules.js';

t.test('a change applies from the next billing period', async (t) => {
  t.equal(firstPeriodOfChange('2026-11-15'), '2026-12-01');
  t.equal(firstPeriodOfChange('2026-12-31'), '2027-01-01');
  t.equal(firstPeriodOfChange('2026-11-01'), '2026-12-01');
});

t.test('area and residents count are checked', async (t) => {
  t.same(parseArea('54,3'), { ok: true, value: 54.3 });
  t.same(parseArea('54.35'), { ok: true, value: 54.35 });
  t.match(parseArea('0'), { ok: false });
  t.match(parseArea('54,355'), { ok: false });
  t.match(parseArea(''), { ok: false, error: /Введите площадь/ });
  t.same(parseResidentsCount('3'), { ok: true, value: 3 });
  t.same(parseResidentsCount('0'), { ok: true, value: 0 });
  t.match(parseResidentsCount('-1'), { ok: false });
  t.match(parseResidentsCount('2.5'), { ok: false });
});
