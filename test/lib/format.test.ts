import t from 'tap';
import { count, date, dateTime, linkify, period, plural, rubles } from '../../src/lib/format.js';

const nbsp = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

t.test('money in kopecks is shown in rubles the Russian way', async (t) => {
  t.equal(nbsp(rubles(123456)), '1 234,56 ₽');
  t.equal(nbsp(rubles(0)), '0,00 ₽');
  t.equal(nbsp(rubles(5)), '0,05 ₽');
  t.equal(nbsp(rubles(-1050)), '−10,50 ₽');
  t.equal(nbsp(rubles(100_000_000_00)), '100 000 000,00 ₽');
});

t.test('dates are Moscow dates', async (t) => {
  t.equal(date('2026-11-15'), '15.11.2026');
  t.equal(date(new Date('2026-11-26T21:30:00Z')), '27.11.2026');
  t.equal(nbsp(dateTime(new Date('2026-11-26T21:30:00Z'))), '27.11.2026, 00:30');
  t.equal(period('2026-10-01'), 'октябрь 2026 г.');
});

t.test('Russian plural forms', async (t) => {
  const forms = ['минута', 'минуты', 'минут'] as const;
  const expected: [number, string][] = [[1, 'минута'], [2, 'минуты'], [4, 'минуты'], [5, 'минут'], [11, 'минут'], [12, 'минут'], [14, 'минут'], [21, 'минута'], [22, 'минуты'], [25, 'минут'], [101, 'минута'], [111, 'минут'], [0, 'минут']];
  for (const [n, form] of expected) t.equal(plural(n, ...forms), form, String(n));
  t.equal(count(3, 'день', 'дня', 'дней'), '3 дня');
});

t.test('linkify escapes the text and links only http(s) URLs', async (t) => {
  t.equal(
    linkify('Ссылка: https://lk.example.ru/confirm?token=a_b-c <b>'),
    'Ссылка: <a href="https://lk.example.ru/confirm?token=a_b-c">https://lk.example.ru/confirm?token=a_b-c</a> &lt;b&gt;',
  );
  t.equal(linkify('javascript:alert(1) "x"'), 'javascript:alert(1) &quot;x&quot;');
});
