import t from 'tap';
import { isCalendarDate } from '../../src/lib/calendar.js';
import { contentDisposition, downloadName } from '../../src/features/identity/rules.js';
import { fieldsWithControlCharacters, hasControlCharacters } from '../../src/security/input.js';
import { testApp } from '../fixtures/app.js';
import { signedIn } from '../fixtures/sessions.js';

t.test('control characters and broken surrogates are found; ordinary text, tabs and line breaks are not', async (t) => {
  for (const bad of ['\u0000', 'a\u0001b', '\u007f', '\u0085', '\uD800x', 'x\uDC00']) t.ok(hasControlCharacters(bad), encodeURIComponent(bad.replace(/[\uD800-\uDFFF]/g, '?')));
  for (const good of ['Иван Петров', 'строка\r\nещё одна\tи таб', '😀 emoji', 'кв. 12']) t.notOk(hasControlCharacters(good), good);
  t.same(fieldsWithControlCharacters({ email: 'a\u0000', flat: '12', reason: ['ok', 'b\u0007'], 'n\u0000': 'x' }), ['email', 'reason', 'n\u0000']);
  t.same(fieldsWithControlCharacters(undefined), []);
});

t.test('dates are real and between 1900 and 2100', async (t) => {
  t.same(['0000-01-01', '0001-01-01', '1899-12-31', '1900-01-01', '2026-11-20', '2100-12-31', '2101-01-01', '9999-12-31'].map(isCalendarDate), [false, false, false, true, true, true, false, false]);
});

t.test('a download is named with the extension of the type found in its bytes', async (t) => {
  t.equal(downloadName('скан.exe', 'pdf'), 'скан.pdf');
  t.equal(downloadName('паспорт.страница.html', 'jpg'), 'паспорт.страница.jpg');
  t.equal(downloadName('без расширения', 'png'), 'без расширения.png');
  t.equal(downloadName('.pdf', 'pdf'), 'документ.pdf');
  t.match(contentDisposition(3, 'image/png', 'фото.svg'), /filename="document-3\.png"; filename\*=UTF-8''%D1%84%D0%BE%D1%82%D0%BE\.png$/);
});

t.test('one gate answers control characters with a Russian 422 before any handler, resident and back office alike', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, redis: false });
  const anonymous = await app.inject({ method: 'POST', url: '/password-reset', payload: 'email=a%00%40b.ru', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  t.equal(anonymous.statusCode, 422, 'before CSRF or the handler');
  t.match(anonymous.body, '<a href="#email">Уберите служебные символы', 'the error summary names the field');
  t.match(anonymous.body, /id="email-error"><span class="visually-hidden">Ошибка:<\/span> Уберите служебные символы/, 'the message is next to the field');
  t.match(anonymous.body, /<input class="input" id="email" name="email" type="email"\s+value="a@b.ru"/, 'what was typed comes back, without the NUL');
  t.match(anonymous.body, 'aria-invalid="true"');
  const fromPage = await app.inject({
    method: 'POST', url: '/admin/documents/1/rejection', payload: 'reason=x%00',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  t.equal(fromPage.statusCode, 422, 'a form the gate cannot place on a page it may show gets the plain 422 page');
  t.match(fromPage.body, /служебные символы/);

  const admin = await db.selectFrom('staff').select('id').where('email', '=', 'admin@demo.local').executeTakeFirstOrThrow();
  const staff = await signedIn(app, db, config, { staffId: admin.id });
  for (const url of ['/admin/audit?action=%00', '/admin/accounts?q=77%00', '/admin/audit/export.csv?action=a%01']) {
    const response = await staff.get(url);
    t.equal(response.statusCode, 422, url);
    t.notOk(String(response.headers['content-type']).startsWith('text/csv'), 'no CSV is started');
  }
  const search = await staff.get('/admin/accounts?q=77%00');
  t.match(search.body, /<input class="input" id="q" name="q" type="search"\s+value="77"/, 'a filter comes back with what was typed');
  t.match(search.body, 'id="q-error"><span class="visually-hidden">Ошибка:</span> Уберите служебные символы');
  // A form posted to a resource under its page (/admin/tariffs/payees) comes back as that page;
  // a Referer of another origin is not followed.
  const payee = await staff.post('/admin/tariffs/payees', { name: 'ГБУ\u0000 «Жилищник»', inn: '7707083893' }, { referer: 'http://evil.example/admin/staff' });
  t.equal(payee.statusCode, 422);
  t.match(payee.body, '<h1>Тарифы</h1>');
  t.match(payee.body, /id="name-error"><span class="visually-hidden">Ошибка:<\/span> Уберите служебные символы/);
  t.match(payee.body, 'value="ГБУ «Жилищник»"');
  t.match(payee.body, 'value="7707083893"', 'the other fields keep what was typed');
  t.equal((await db.selectFrom('payees').select('id').where('inn', '=', '7707083893').execute()).length, 0, 'nothing written');
  const fromStaffPage = await staff.post('/admin/tariffs/payees', { name: 'x\u0007' }, { referer: 'http://localhost/admin/tariffs' });
  t.match(fromStaffPage.body, 'id="name-error"', 'the page named by a same-origin Referer');
  const exports = await db.selectFrom('audit_log').select('id').where('action', '=', 'audit.exported').execute();
  t.equal(exports.length, 0, 'a refused export runs nothing');
  const badYear = await staff.get('/admin/audit/export.csv?from=0001-01-01&action=staff.invited');
  t.equal(badYear.statusCode, 303, 'a filter the page refuses is not exported');
  t.equal(badYear.headers.location, '/admin/audit?from=0001-01-01&action=staff.invited');
  const page = await staff.get(badYear.headers.location as string);
  t.equal(page.statusCode, 422);
  t.match(page.body, /с 1900 по 2100 год/);
  const exported = await staff.get('/admin/audit/export.csv?from=2026-01-01');
  t.equal(exported.statusCode, 200);
  t.match(exported.body, /Время \(МСК\)/);
});
