import t from 'tap';
import { auditSubject, detailLines } from '../../src/backoffice/audit/presentation.js';

t.test('an entry’s object reads in Russian and links to its page', async (t) => {
  t.same(auditSubject('staff', '7', {}), { label: 'Сотрудник № 7', href: '/admin/staff/7' });
  t.same(auditSubject('identity_submission', '3', {}), { label: 'Проверка документов № 3', href: '/admin/documents/3' });
  t.same(auditSubject('payer_account', '12', {}), { label: 'Лицевой счёт № 12', href: '/admin/accounts/12' });
  t.same(auditSubject('dwelling_change', '4', {}), { label: 'Изменение данных помещения № 4', href: '/admin/dwelling-requests/4' });
  t.same(auditSubject('meter_request', '6', {}), { label: 'Заявка на регистрацию счётчика № 6', href: '/admin/meter-requests/6' });
  t.same(auditSubject('identity_document', '9', { submissionId: 3 }), { label: 'Документ № 9', href: '/admin/documents/3' }, 'a document lives on its submission');
  t.same(auditSubject('account_link', '5', {}), { label: 'Заявка на подключение № 5', href: '/admin/link-requests/5' });
  t.same(auditSubject('meter', '11', { accountId: 4 }), { label: 'Счётчик № 11', href: '/admin/accounts/4' }, 'a meter lives on its account');
  t.same(auditSubject('meter', '11', null), { label: 'Счётчик № 11', href: null }, 'no parent, no link');
  t.equal(auditSubject(null, null, {}), null);
});

t.test('details become "name: value" lines with Russian names and values', async (t) => {
  t.same(detailLines({ from: ['moderator'], to: ['moderator', 'admin'] }), [
    { name: 'Было', value: 'модератор' },
    { name: 'Стало', value: 'модератор, администратор' },
  ]);
  t.same(detailLines({ email: 'a@b.ru', stage: 'password', again: true, reason: undefined }), [
    { name: 'Электронная почта', value: 'a@b.ru' },
    { name: 'Шаг входа', value: 'пароль' },
    { name: 'Повторно', value: 'да' },
  ], 'missing values are left out');
  t.same(detailLines({ filter: { staffId: 2, action: null } }), [{ name: 'Фильтр', value: 'Сотрудник №: 2' }]);
  t.same(detailLines({ mystery: 1 }), [{ name: 'mystery', value: '1' }], 'an unknown key keeps its own name');
  t.same(detailLines(null), []);
  t.same(detailLines([1, 2]), [], 'not an object: nothing to show');
});
