// What each audit action is called on the «Журнал действий» page. A feature that
// records a new action adds its line here, and only actions listed here can be written.
export const ACTION_LABELS = {
  'staff.sign-in': 'Вход',
  'staff.sign-in-failed': 'Неудачная попытка входа',
  'staff.sign-out': 'Выход',
  'staff.invited': 'Приглашение сотрудника',
  'staff.invitation-accepted': 'Пароль задан по приглашению',
  'staff.roles-changed': 'Изменение ролей',
  'staff.deactivated': 'Отключение сотрудника',
  'staff.totp-enabled': 'Подключено приложение-аутентификатор',
  'staff.totp-disabled': 'Отключено приложение-аутентификатор',
  'staff.totp-reset': 'Администратор отключил приложение-аутентификатор',
  'audit.exported': 'Выгрузка журнала в CSV',
  'identity.submission.viewed': 'Просмотр заявки на подтверждение личности',
  'identity.document.viewed': 'Просмотр документа жителя',
  'identity.submission.approved': 'Личность подтверждена',
  'identity.submission.rejected': 'Отказ в подтверждении личности',
  'identity.document.deleted': 'Скан документа удалён по сроку хранения',
  'link-request.approved': 'Подключение лицевого счёта одобрено',
  'link-request.rejected': 'Отказ в подключении лицевого счёта',
  'meter.replaced': 'Замена счётчика',
  'resident.esia-signed-up': 'Регистрация через Госуслуги',
  'resident.esia-signed-in': 'Вход через Госуслуги',
  'resident.esia-linked': 'Госуслуги привязаны к учётной записи',
  'resident.esia-unlinked': 'Госуслуги отвязаны от учётной записи',
  'notice.published': 'Объявление опубликовано',
  'notice.updated': 'Объявление изменено',
  'notice.extended': 'Объявление продлено',
  'notice.closed': 'Объявление закрыто',
  'notice.withdrawn': 'Объявление отозвано',
  'tariff.added': 'Добавлен тариф',
  'payee.added': 'Добавлен получатель платежей',
  'bill-run.started': 'Запущено формирование счетов',
  'meter.verified': 'Поверка счётчика записана',
  'account.ownership-transferred': 'Передача прав владельца лицевого счёта',
  'dwelling-request.approved': 'Изменение данных помещения одобрено',
  'dwelling-request.rejected': 'Отказ в изменении данных помещения',
  'account.viewed': 'Просмотр лицевого счёта',
  'accounts.searched': 'Просмотр списка лицевых счетов',
  'audit.viewed': 'Просмотр журнала действий',
  'dwelling-request.viewed': 'Просмотр заявки на изменение данных помещения',
  'dwelling-requests.listed': 'Просмотр очереди заявок на изменение данных помещения',
  'identity.submissions.listed': 'Просмотр очереди заявок на подтверждение личности',
  'link-request.viewed': 'Просмотр заявки на подключение лицевого счёта',
  'link-requests.listed': 'Просмотр очереди заявок на подключение',
} as const satisfies Record<string, string>;

/** Every action the audit log knows; writing any other is a type error. */
export type AuditAction = keyof typeof ACTION_LABELS;

export function actionLabel(action: string): string {
  return (ACTION_LABELS as Record<string, string>)[action] ?? action;
}
