import t from 'tap';
import { createClock, isCalendarDate, moscowDate } from '../../src/lib/calendar.js';

t.test('Moscow dates are UTC+3', async (t) => {
  t.equal(moscowDate(new Date('2026-11-26T20:59:59Z')), '2026-11-26');
  t.equal(moscowDate(new Date('2026-11-26T21:00:00Z')), '2026-11-27');
});

t.test('APP_TODAY moves the date and keeps the time of day', async (t) => {
  const real = new Date('2026-11-27T10:15:00Z');
  const clock = createClock('2026-03-03', () => real);
  t.equal(clock.today(), '2026-03-03');
  t.equal(clock.now().toISOString(), '2026-03-03T10:15:00.000Z');
  t.equal(createClock(undefined, () => real).today(), '2026-11-27');
});

t.test('a calendar date is YYYY-MM-DD and exists', async (t) => {
  t.same(['2026-02-28', '2024-02-29', '2026-02-30', '2026-13-01', '2026-1-01', '27.11.2026', ''].map(isCalendarDate), [true, true, false, false, false, false, false]);
});
