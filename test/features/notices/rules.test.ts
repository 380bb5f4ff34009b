import t from 'tap';
import {
  countedInterval, describeWhen, emptyForm, monthlyExcessHours, moscowInputValue, parseMoscowDateTime,
  periodsOf, phaseOf, streetName, streetOf, validateNotice,
} from '../../../src/features/notices/rules.js';

const msk = (local: string) => new Date(`${local}+03:00`);

t.test('Moscow times typed into the form', async (t) => {
  t.equal(parseMoscowDateTime('2026-06-03T10:00')?.toISOString(), '2026-06-03T07:00:00.000Z');
  t.equal(parseMoscowDateTime('2026-06-01T00:00')?.toISOString(), '2026-05-31T21:00:00.000Z', 'Moscow midnight is 21:00 UTC the day before');
  t.equal(parseMoscowDateTime('2026-02-30T10:00'), null);
  t.equal(parseMoscowDateTime('2026-06-03T24:00'), null);
  t.equal(parseMoscowDateTime('завтра'), null);
  t.equal(moscowInputValue(new Date('2026-05-31T21:00:00Z')), '2026-06-01T00:00');
});

t.test('dates in plain Russian', async (t) => {
  const now = msk('2026-06-03T12:00');
  t.equal(describeWhen(msk('2026-06-03T10:00'), msk('2026-06-03T18:00'), now), 'сегодня до 18:00');
  t.equal(describeWhen(msk('2026-06-03T00:00'), msk('2026-06-04T00:00'), now), 'сегодня до 24:00', 'an end at Moscow midnight is the end of the day before');
  t.equal(describeWhen(msk('2026-06-03T00:00'), msk('2026-06-12T18:00'), now), 'с 3 по 12 июня');
  t.equal(describeWhen(msk('2026-06-04T10:00'), msk('2026-06-04T18:00'), now), 'завтра с 10:00 до 18:00');
  t.equal(describeWhen(msk('2026-06-10T00:00'), msk('2026-06-13T00:00'), now), 'с 10 по 12 июня', 'midnight to midnight');
  t.equal(describeWhen(msk('2026-05-28T09:00'), msk('2026-06-05T12:00'), now), 'с 28 мая по 5 июня');
  t.equal(describeWhen(msk('2026-06-03T09:30'), null, now), 'с 09:30 сегодня до устранения аварии', 'an open-ended emergency');
  t.equal(describeWhen(msk('2026-06-05T09:30'), null, now), '5 июня с 09:30 до устранения аварии');
  t.equal(describeWhen(msk('2026-12-28T09:00'), msk('2027-01-03T12:00'), now), 'с 28 декабря 2026 г. по 3 января 2027 г.');
});

t.test('where a notice stands', async (t) => {
  const now = msk('2026-06-03T12:00');
  t.equal(phaseOf(msk('2026-06-03T12:00'), msk('2026-06-03T13:00'), now), 'current', 'it starts this minute');
  t.equal(phaseOf(msk('2026-06-03T11:00'), msk('2026-06-03T12:00'), now), 'past', 'it ended this minute');
  t.equal(phaseOf(msk('2026-06-03T13:00'), null, now), 'upcoming');
  t.equal(phaseOf(msk('2026-05-01T13:00'), null, now), 'current', 'an open-ended emergency goes on');
});

t.test('the form: required fields, end after start, confirmation of a long hot-water outage', async (t) => {
  const empty = validateNotice(emptyForm());
  t.notOk(empty.ok);
  if (!empty.ok) t.same(Object.keys(empty.errors).sort(), ['body', 'buildings', 'endsAt', 'kind', 'reason', 'resource', 'startsAt', 'supplier']);

  const form = {
    kind: 'planned', resource: 'hot_water', buildingIds: [1], startsAt: '2026-06-03T10:00', endsAt: '2026-06-03T09:00',
    supplier: 'ПАО «МОЭК»', reason: 'Гидравлические испытания', body: 'Горячей воды не будет.', confirmLong: false,
  };
  const backwards = validateNotice(form);
  t.same(backwards.ok ? {} : backwards.errors, { endsAt: 'Окончание должно быть позже начала' });

  const long = validateNotice({ ...form, endsAt: '2026-06-17T10:01' });
  t.match(long.ok ? {} : long.errors, { confirmLong: /дольше 14 дней/ });
  const confirmed = validateNotice({ ...form, endsAt: '2026-06-17T10:01', confirmLong: true });
  t.ok(confirmed.ok && confirmed.value.longOutageConfirmed);
  const fourteenDays = validateNotice({ ...form, endsAt: '2026-06-17T10:00' });
  t.ok(fourteenDays.ok && !fourteenDays.value.longOutageConfirmed, 'exactly 14 days needs no confirmation');

  const openPlanned = validateNotice({ ...form, endsAt: '' });
  t.match(openPlanned.ok ? {} : openPlanned.errors, { endsAt: /только аварийное/ });
  const openEmergency = validateNotice({ ...form, kind: 'emergency', endsAt: '' });
  t.ok(openEmergency.ok && openEmergency.value.endsAt === null, 'an emergency may have no end yet');
  t.match(validateNotice({ ...form, kind: 'other' }), { ok: false, errors: { kind: 'Выберите тип объявления' } });
});

t.test('streets from addresses', async (t) => {
  t.equal(streetOf('г. Москва, ул. Тверская, д. 10'), 'г. Москва, ул. Тверская');
  t.equal(streetOf('г. Москва, ул. Большая Дмитровка, д. 7, стр. 1'), 'г. Москва, ул. Большая Дмитровка');
  t.equal(streetOf('без номера дома'), null);
  t.equal(streetName('г. Москва, ул. Тверская'), 'ул. Тверская');
});

t.test('excess hours, computed by hand', async (t) => {
  // Hot water off 16 hours at once: 8 over the monthly 8, 12 over the single 4 — the larger counts.
  const hot = [{ start: msk('2026-11-10T10:00'), end: msk('2026-11-11T02:00') }];
  t.equal(monthlyExcessHours('hot_water', hot, '2026-11-01'), 12);

  // Three cold-water stops of 3 hours: none over 4 at once, 9 in the month is 1 over 8.
  const cold = [10, 12, 14].map((d) => ({ start: msk(`2026-11-${d}T09:00`), end: msk(`2026-11-${d}T12:00`) }));
  t.equal(monthlyExcessHours('cold_water', cold, '2026-11-01'), 1);
  t.equal(monthlyExcessHours('cold_water', cold.slice(0, 2), '2026-11-01'), 0, '6 hours in the month are allowed');

  // Electricity off 4 hours across Moscow midnight at the turn of the month: the 2 hours past the limit fall in November.
  const power = { start: msk('2026-10-31T23:00'), end: msk('2026-11-01T03:00') };
  t.same(periodsOf(power), ['2026-10-01', '2026-11-01']);
  t.equal(monthlyExcessHours('electricity', [power], '2026-10-01'), 0);
  t.equal(monthlyExcessHours('electricity', [power], '2026-11-01'), 2);

  // Heating: 24 hours a month in total.
  t.equal(monthlyExcessHours('heating', [{ start: msk('2026-11-01T00:00'), end: msk('2026-11-02T06:00') }], '2026-11-01'), 6);
  t.same(periodsOf({ start: msk('2026-11-01T00:00'), end: msk('2026-12-01T00:00') }), ['2026-11-01'], 'an end at Moscow midnight stays in its month');
});

t.test('hot-water testing the law allows does not count', async (t) => {
  t.equal(countedInterval('planned', 'hot_water', msk('2026-06-01T00:00'), msk('2026-06-11T00:00')), null, '10 days of testing in June');
  const long = countedInterval('planned', 'hot_water', msk('2026-06-01T00:00'), msk('2026-06-21T00:00'));
  t.same(long, { start: msk('2026-06-15T00:00'), end: msk('2026-06-21T00:00') }, 'past its 14 days it counts');
  // 144 counted hours: 140 past the single 4, 136 past the monthly 8.
  t.equal(monthlyExcessHours('hot_water', [long!], '2026-06-01'), 140);
  t.ok(countedInterval('planned', 'hot_water', msk('2026-11-01T00:00'), msk('2026-11-03T00:00')), 'in November it is not testing');
  t.ok(countedInterval('emergency', 'hot_water', msk('2026-06-01T00:00'), msk('2026-06-03T00:00')), 'an emergency always counts');
});
