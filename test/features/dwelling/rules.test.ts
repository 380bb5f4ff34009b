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
  t.same(parseResidentsCount('30'), { ok: true, value: 30 });
  t.match(parseResidentsCount('31'), { ok: false, error: 'Количество проживающих — целое число от 0 до 30' });
  t.same(parseArea('1'), { ok: true, value: 1 });
  t.same(parseArea('1000'), { ok: true, value: 1000 });
  t.match(parseArea('0,99'), { ok: false, error: 'Площадь — от 1 до 1000 м²' });
  t.match(parseArea('1000,01'), { ok: false, error: 'Площадь — от 1 до 1000 м²' });
  t.match(parseResidentsCount('-1'), { ok: false });
  t.match(parseResidentsCount('2.5'), { ok: false });
});
