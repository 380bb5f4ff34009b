import t from 'tap';
import { canMove, countdown, deadlineFor, describeNorm, nextStatuses, parseRating, validateRequestForm } from '../../../src/features/requests/rules.js';

t.test('the deadline is registration plus the norm of the kind, as an instant', async (t) => {
  // 23:50 in Moscow on 20 November: a 30-minute norm ends at 00:20 on the 21st (Moscow).
  const registered = new Date('2026-11-20T20:50:00Z');
  t.equal(deadlineFor(registered, 30).toISOString(), '2026-11-20T21:20:00.000Z');
  t.equal(deadlineFor(registered, 120).toISOString(), '2026-11-20T22:50:00.000Z');
  t.equal(deadlineFor(registered, 7 * 24 * 60).toISOString(), '2026-11-27T20:50:00.000Z');
});

t.test('norms read as the resident says them', async (t) => {
  t.equal(describeNorm(30), '30 минут');
  t.equal(describeNorm(120), '2 часа');
  t.equal(describeNorm(240), '4 часа');
  t.equal(describeNorm(24 * 60), '1 сутки');
  t.equal(describeNorm(3 * 24 * 60), '3 суток');
  t.equal(describeNorm(90), '90 минут');
});

t.test('the countdown says how long is left, or how late', async (t) => {
  const deadline = new Date('2026-11-20T12:00:00Z');
  t.same(countdown(deadline, new Date('2026-11-20T11:35:00Z')), { overdue: false, text: 'осталось 25 мин' });
  t.same(countdown(deadline, new Date('2026-11-20T09:50:00Z')), { overdue: false, text: 'осталось 2 ч 10 мин' });
  t.same(countdown(deadline, new Date('2026-11-18T10:00:00Z')), { overdue: false, text: 'осталось 2 дня 2 ч' });
  t.same(countdown(deadline, new Date('2026-11-20T12:00:00Z')), { overdue: true, text: 'просрочена на 1 мин' });
  t.same(countdown(deadline, new Date('2026-11-20T13:05:00Z')), { overdue: true, text: 'просрочена на 1 ч 5 мин' });
});

t.test('status changes: the dispatcher takes, finishes or rejects; the resident withdraws an open request', async (t) => {
  t.ok(canMove('registered', 'in_progress', 'dispatcher'));
  t.ok(canMove('registered', 'rejected', 'dispatcher'));
  t.notOk(canMove('registered', 'done', 'dispatcher'), 'done only after it was taken');
  t.ok(canMove('in_progress', 'done', 'dispatcher'));
  t.ok(canMove('in_progress', 'rejected', 'dispatcher'));
  for (const closed of ['done', 'rejected', 'withdrawn'] as const) {
    t.same(nextStatuses(closed, 'dispatcher'), [], `${closed} is final for the dispatcher`);
    t.same(nextStatuses(closed, 'resident'), [], `${closed} is final for the resident`);
  }
  t.ok(canMove('registered', 'withdrawn', 'resident'));
  t.ok(canMove('in_progress', 'withdrawn', 'resident'));
  t.notOk(canMove('registered', 'done', 'resident'), 'a resident cannot close a request as done');
  t.notOk(canMove('in_progress', 'withdrawn', 'dispatcher'), 'only the resident withdraws');
});

t.test('the form: every field has its own message', async (t) => {
  const empty = { accountId: '', kind: '', place: '', description: '  ', phone: '', smsUpdates: false };
  t.same(Object.keys(validateRequestForm(empty, false)).sort(), ['accountId', 'description', 'kind', 'phone', 'place']);
  const ok = { accountId: '1', kind: 'leak', place: 'flat', description: 'Течёт', phone: '+79161234567', smsUpdates: true };
  t.same(validateRequestForm(ok, true), {});
  t.match(validateRequestForm({ ...ok, kind: 'fire' }, true).kind, 'Выберите');
  t.match(validateRequestForm({ ...ok, description: 'я'.repeat(2001) }, true).description, 'Не длиннее 2000 символов');
  t.match(validateRequestForm({ ...ok, phone: '12' }, false).phone, 'в формате');
});

t.test('a rating is a whole number from 1 to 5', async (t) => {
  t.equal(parseRating('5'), 5);
  t.equal(parseRating('1'), 1);
  for (const bad of ['0', '6', '', '4.5', ' 3', 'пять']) t.equal(parseRating(bad), null, bad);
});
