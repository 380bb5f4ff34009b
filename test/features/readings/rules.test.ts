import fc from 'fast-check';
import t from 'tap';
import { JUMP_BOUNDS, consumption, lowerThanPrevious, monthsBetween, parseReading, unusualJump, verificationDueSoon, verificationOverdue, windowState, type WindowRule } from '../../../src/features/readings/rules.js';

// The rows the reading_windows migration seeds from DOMAIN.md (test/features/readings/windows.test.ts checks the table).
const WATER = { validFrom: '2020-01-01', opensDay: 15, closesDay: 3, closesNextMonth: true };
const W: WindowRule[] = [
  { resource: 'cold_water', ...WATER },
  { resource: 'hot_water', ...WATER },
  { resource: 'electricity', validFrom: '2020-01-01', opensDay: 15, closesDay: 26, closesNextMonth: false },
];

t.test('water readings are accepted from the 15th to the 3rd of the next month, inclusive', async (t) => {
  t.same(windowState(W, 'cold_water', '2026-11-14'), { open: false, opensOn: '2026-11-15' });
  t.same(windowState(W, 'cold_water', '2026-11-15'), { open: true, period: '2026-11-01', closesOn: '2026-12-03' });
  t.same(windowState(W, 'hot_water', '2026-11-30'), { open: true, period: '2026-11-01', closesOn: '2026-12-03' });
  // On the 1st–3rd a submission belongs to the previous month's period.
  t.same(windowState(W, 'cold_water', '2026-12-01'), { open: true, period: '2026-11-01', closesOn: '2026-12-03' });
  t.same(windowState(W, 'cold_water', '2026-12-02'), { open: true, period: '2026-11-01', closesOn: '2026-12-03' });
  t.same(windowState(W, 'cold_water', '2026-12-03'), { open: true, period: '2026-11-01', closesOn: '2026-12-03' });
  t.same(windowState(W, 'cold_water', '2026-12-04'), { open: false, opensOn: '2026-12-15' });
  // Across the new year.
  t.same(windowState(W, 'hot_water', '2027-01-02'), { open: true, period: '2026-12-01', closesOn: '2027-01-03' });
});

t.test('electricity readings are accepted from the 15th to the 26th, inclusive', async (t) => {
  t.same(windowState(W, 'electricity', '2026-11-14'), { open: false, opensOn: '2026-11-15' });
  t.same(windowState(W, 'electricity', '2026-11-15'), { open: true, period: '2026-11-01', closesOn: '2026-11-26' });
  t.same(windowState(W, 'electricity', '2026-11-26'), { open: true, period: '2026-11-01', closesOn: '2026-11-26' });
  t.same(windowState(W, 'electricity', '2026-11-27'), { open: false, opensOn: '2026-12-15' });
  t.same(windowState(W, 'electricity', '2026-12-02'), { open: false, opensOn: '2026-12-15' });
  t.same(windowState(W, 'electricity', '2026-12-31'), { open: false, opensOn: '2027-01-15' });
});

t.test('a resource follows its own dated rows: a new row applies from its date', async (t) => {
  const rules: WindowRule[] = [...W, { resource: 'gas', validFrom: '2020-01-01', opensDay: 20, closesDay: 25, closesNextMonth: false }, { resource: 'gas', validFrom: '2027-01-01', opensDay: 10, closesDay: 3, closesNextMonth: true }];
  t.same(windowState(rules, 'gas', '2026-11-19'), { open: false, opensOn: '2026-11-20' });
  t.same(windowState(rules, 'gas', '2026-11-25'), { open: true, period: '2026-11-01', closesOn: '2026-11-25' });
  t.same(windowState(rules, 'gas', '2026-12-26'), { open: false, opensOn: '2027-01-10' }, 'January opens by the new row');
  t.same(windowState(rules, 'gas', '2027-02-02'), { open: true, period: '2027-01-01', closesOn: '2027-02-03' });
  t.same(windowState(rules, 'cold_water', '2026-11-19'), { open: true, period: '2026-11-01', closesOn: '2026-12-03' }, 'water keeps its own rule');
  t.throws(() => windowState(rules, 'heat', '2026-11-19'), /no reading window for heat/);
});

t.test('every day of a year is either open for one period or names a later opening day', async (t) => {
  for (let d = Date.parse('2026-01-01'); d < Date.parse('2027-01-01'); d += 86_400_000) {
    const today = new Date(d).toISOString().slice(0, 10);
    for (const resource of ['cold_water', 'electricity'] as const) {
      const state = windowState(W, resource, today);
      if (state.open) t.ok(state.period <= today && state.closesOn >= today, `${resource} ${today}`);
      else t.ok(state.opensOn > today && state.opensOn.endsWith('-15'), `${resource} ${today}`);
    }
  }
});

t.test('reading values take a comma or a dot and up to 3 decimals, never negative', async (t) => {
  t.same(parseReading('123,456'), { ok: true, value: 123.456 });
  t.same(parseReading(' 123.4 '), { ok: true, value: 123.4 });
  t.same(parseReading('0'), { ok: true, value: 0 });
  t.same(parseReading('1 234,5'), { ok: true, value: 1234.5 });
  t.match(parseReading('123,4567'), { ok: false, error: /трёх знаков/ });
  t.match(parseReading('-1'), { ok: false, error: /отрицательными/ });
  t.match(parseReading('abc'), { ok: false, error: /число/ });
  t.match(parseReading(''), { ok: false, error: /Введите показания/ });
  t.match(parseReading('1,2,3'), { ok: false });
});

t.test('any value with up to 3 decimals survives parsing exactly', async () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 99_999_999_999 }), fc.boolean(), (thousandths, comma) => {
      const text = (thousandths / 1000).toFixed(3).replace('.', comma ? ',' : '.');
      const parsed = parseReading(text);
      return parsed.ok && Math.round(parsed.value * 1000) === thousandths;
    }),
  );
});

t.test('a reading lower than the previous one is refused; equal is fine', async (t) => {
  t.ok(lowerThanPrevious(122.999, 123));
  t.notOk(lowerThanPrevious(123, 123));
  t.notOk(lowerThanPrevious(123.001, 123));
  t.equal(consumption(130.1, 123.3), 6.8);
});

t.test('a jump far above the usual consumption asks for confirmation', async (t) => {
  const history = [5, 6, 4, 5, 6, 4];
  t.notOk(unusualJump('cold_water', 15, history), 'exactly 3× the average is still usual');
  t.ok(unusualJump('cold_water', 15.001, history));
  // Only the last 6 periods count.
  t.ok(unusualJump('cold_water', 20, [5, 5, 5, 5, 5, 5, 1000]));
  // No history: an absolute bound per resource.
  t.notOk(unusualJump('cold_water', JUMP_BOUNDS.cold_water, []));
  t.ok(unusualJump('cold_water', JUMP_BOUNDS.cold_water + 1, []));
  t.ok(unusualJump('electricity', JUMP_BOUNDS.electricity + 1, [0, 0]));
});

t.test('after a gap the jump check spreads the consumption over the months elapsed', async (t) => {
  const history = [5, 6, 4, 5, 6, 4];
  // Five months without readings, then a normal 25 m³: 5 m³ a month is usual.
  t.notOk(unusualJump('cold_water', 25, history, 5));
  t.ok(unusualJump('cold_water', 25, history, 1), 'the same figure after one month is a jump');
  t.ok(unusualJump('cold_water', 76, history, 5), 'above 3× a month on average is still a jump');
  // No history: the absolute bound is per month too.
  t.notOk(unusualJump('cold_water', JUMP_BOUNDS.cold_water * 4, [], 4));
  t.ok(unusualJump('cold_water', JUMP_BOUNDS.cold_water * 4 + 1, [], 4));
  // A reading in the same period as the previous one (installation month) counts as one month.
  t.notOk(unusualJump('cold_water', 15, history, 0));
  t.equal(monthsBetween('2026-05-01', '2026-10-01'), 5);
  t.equal(monthsBetween('2025-11-01', '2026-02-01'), 3);
});

t.test('a meter is overdue the day after its verification date', async (t) => {
  t.notOk(verificationOverdue('2026-11-20', '2026-11-20'));
  t.ok(verificationOverdue('2026-11-20', '2026-11-21'));
});

t.test('the resident is reminded 30 days before the verification date', async (t) => {
  t.notOk(verificationDueSoon('2026-12-20', '2026-11-19'));
  t.ok(verificationDueSoon('2026-12-20', '2026-11-20'));
  t.ok(verificationDueSoon('2026-12-20', '2026-12-20'));
  t.notOk(verificationDueSoon('2026-12-20', '2026-12-21'), 'then it is overdue instead');
});
