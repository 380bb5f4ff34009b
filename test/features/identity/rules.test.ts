import t from 'tap';
import {
  canUpload,
  contentDisposition,
  displayName,
  fileNameProblem,
  isAllowedMime,
  isDocumentKind,
  rejectionReason,
} from '../../../src/features/identity/rules.js';
import { identityConfirmed } from '../../../src/features/identity/service.js';

t.test('file names with a path or control characters are refused', async (t) => {
  for (const name of ['../evil.png', '..\\evil.png', 'a/b.png', 'C:\\Users\\scan.jpg', '..', 'скан\u0000.png', 'a\nb.pdf']) {
    t.ok(fileNameProblem(name), JSON.stringify(name));
  }
  for (const name of ['паспорт.png', 'scan..final.pdf', 'фото 1 (копия).jpg', '.hidden.png']) {
    t.equal(fileNameProblem(name), null, name);
  }
});

t.test('names are cleaned for display and the header', async (t) => {
  t.equal(displayName('  скан.png '), 'скан.png');
  t.equal(displayName(''), 'документ');
  t.equal(displayName('a\u0007b.png'), 'ab.png');
  t.equal(displayName('x'.repeat(200)).length, 118);
  t.equal(
    contentDisposition(7, 'application/pdf', 'счёт "1".pdf'),
    `inline; filename="document-7.pdf"; filename*=UTF-8''%D1%81%D1%87%D1%91%D1%82%20%221%22.pdf`,
  );
  t.notMatch(contentDisposition(7, 'image/png', 'a\r\nX-Evil: 1'), /[\r\n]/);
});

t.test('a rejection needs a listed reason or free text', async (t) => {
  t.same(rejectionReason(undefined, ''), { ok: false, error: 'Укажите причину отказа: выберите её из списка или напишите свою.' });
  t.same(rejectionReason('made up', '  '), { ok: false, error: 'Укажите причину отказа: выберите её из списка или напишите свою.' });
  t.same(rejectionReason('Загружен не тот документ', ''), { ok: true, reason: 'Загружен не тот документ' });
  t.same(rejectionReason(undefined, ' Фото размыто '), { ok: true, reason: 'Фото размыто' });
  t.same(rejectionReason('Загружен не тот документ', 'Нужен паспорт.'), { ok: true, reason: 'Загружен не тот документ. Нужен паспорт.' });
  t.match(rejectionReason(undefined, 'я'.repeat(501)), { ok: false, error: /не больше 500 символов/ });
});

t.test('small predicates', async (t) => {
  t.ok(isDocumentKind('passport'));
  t.notOk(isDocumentKind('toString'), 'not an inherited property');
  t.ok(isAllowedMime('application/pdf'));
  t.notOk(isAllowedMime('image/gif'));
  t.notOk(isAllowedMime(undefined));
  t.same((['none', 'pending', 'confirmed', 'rejected'] as const).map(canUpload), [true, false, false, true]);
  t.same((['none', 'pending', 'confirmed', 'rejected'] as const).map((s) => identityConfirmed({ identityStatus: s })), [false, false, true, false]);
});

t.test('personal data as in the document: the patronymic is optional, names are letters, a real date of birth from 14', async (t) => {
  const { validatePersonalData, cleanPersonalData } = await import('../../../src/features/identity/rules.js');
  const today = '2026-11-15';
  const ok = { lastName: 'Салтыков-Щедрин', firstName: 'Михаил', middleName: '', birthDate: '1990-01-27' };
  t.same(validatePersonalData(ok, today), {}, 'a double surname and no patronymic');
  t.same(validatePersonalData({ ...ok, lastName: "Д'Артаньян" }, today), {});
  t.same(validatePersonalData({ ...ok, lastName: 'O’Brien', firstName: 'John' }, today), {}, 'Latin letters too');
  t.match(validatePersonalData({ ...ok, lastName: '' }, today), { lastName: 'Введите фамилию' });
  t.match(validatePersonalData({ ...ok, firstName: 'И'.repeat(61) }, today), { firstName: /не больше 60/ });
  t.match(validatePersonalData({ ...ok, middleName: '--' }, today), { middleName: /буквы/ });
  t.match(validatePersonalData({ ...ok, birthDate: '' }, today), { birthDate: 'Введите дату рождения' });
  t.match(validatePersonalData({ ...ok, birthDate: '0001-01-01' }, today), { birthDate: /год рождения/ });
  t.match(validatePersonalData({ ...ok, birthDate: '2012-11-16' }, today), { birthDate: /с 14 лет/ }, 'one day short of 14');
  t.same(validatePersonalData({ ...ok, birthDate: '2012-11-15' }, today), {}, '14 today');
  t.same(cleanPersonalData({ lastName: '  Иванова ', firstName: 'Анна  Мария', middleName: ' ', birthDate: ' 1990-01-01 ' }), {
    lastName: 'Иванова', firstName: 'Анна Мария', middleName: '', birthDate: '1990-01-01',
  });
});
