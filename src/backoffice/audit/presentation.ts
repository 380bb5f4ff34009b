// How an audit entry reads on the «Журнал действий» page: the object as a Russian
// name with a link to its page, the details as "name: value" lines. The CSV keeps
// the raw type, id and JSON, which a spreadsheet or a script reads better.
import { STAFF_ROLE_LABELS } from '../../lib/labels.js';

export type AuditSubject = { label: string; href: string | null };
export type DetailLine = { name: string; value: string };

type Details = Record<string, unknown>;

const asDetails = (value: unknown): Details => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Details) : {});

/** The page an entry's object lives on; a document and a meter are shown on their parent's page. */
export function auditSubject(type: string | null, id: string | null, rawDetails: unknown): AuditSubject | null {
  if (type === null) return null;
  const details = asDetails(rawDetails);
  const n = id ?? '';
  switch (type) {
    case 'staff':
      return { label: `Сотрудник № ${n}`, href: `/admin/staff/${n}` };
    case 'identity_submission':
      return { label: `Проверка документов № ${n}`, href: `/admin/documents/${n}` };
    case 'identity_document':
      return { label: `Документ № ${n}`, href: details.submissionId ? `/admin/documents/${String(details.submissionId)}` : null };
    case 'account_link':
      return { label: `Заявка на подключение № ${n}`, href: `/admin/link-requests/${n}` };
    case 'payer_account':
      return { label: `Лицевой счёт № ${n}`, href: `/admin/accounts/${n}` };
    case 'dwelling_change':
      return { label: `Изменение данных помещения № ${n}`, href: `/admin/dwelling-requests/${n}` };
    case 'meter_request':
      return { label: `Заявка на регистрацию счётчика № ${n}`, href: `/admin/meter-requests/${n}` };
    case 'meter':
      return { label: `Счётчик № ${n}`, href: details.accountId ? `/admin/accounts/${String(details.accountId)}` : null };
    default:
      return { label: `${type} № ${n}`, href: null };
  }
}

const NAMES: Record<string, string> = {
  email: 'Электронная почта',
  stage: 'Шаг входа',
  reason: 'Причина',
  roles: 'Роли',
  again: 'Повторно',
  from: 'Было',
  to: 'Стало',
  sessionsEnded: 'Завершено сеансов',
  payerCode: 'Код плательщика',
  flat: 'Квартира',
  accountId: 'Лицевой счёт №',
  oldSerial: 'Старый заводской номер',
  newSerial: 'Новый заводской номер',
  newMeterId: 'Новый счётчик №',
  initial: 'Начальные показания',
  residentId: 'Житель №',
  submissionId: 'Проверка документов №',
  deleted: 'Файл удалён',
  decidedAt: 'Решение принято',
  retentionDays: 'Срок хранения, дней',
  count: 'Количество',
  filter: 'Фильтр',
  staffId: 'Сотрудник №',
  action: 'Действие',
  residentUnchanged: 'Статус жителя не менялся (личность уже подтверждена)',
  q: 'Запрос',
  page: 'Страница',
  status: 'Статус',
};

const VALUES: Record<string, string> = { ...STAFF_ROLE_LABELS, password: 'пароль', code: 'код подтверждения' };

function valueText(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'boolean') return value ? 'да' : 'нет';
  if (Array.isArray(value)) return value.length === 0 ? '—' : value.map(valueText).join(', ');
  if (typeof value === 'object') {
    return Object.entries(value as Details)
      .filter(([, v]) => v !== null && v !== undefined && v !== '')
      .map(([k, v]) => `${NAMES[k] ?? k}: ${valueText(v)}`)
      .join(', ') || '—';
  }
  const text = String(value);
  return VALUES[text] ?? text;
}

/** The details as lines; unknown keys keep their own name rather than vanish. */
export function detailLines(rawDetails: unknown): DetailLine[] {
  return Object.entries(asDetails(rawDetails))
    .filter(([, value]) => value !== null && value !== undefined)
    .map(([key, value]) => ({ name: NAMES[key] ?? key, value: valueText(value) }));
}
