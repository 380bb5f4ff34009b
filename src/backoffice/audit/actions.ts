// What each audit action is called on the «Журнал действий» page. A feature that
// records a new action adds its line here; an action without one shows its code.
export const ACTION_LABELS: Record<string, string> = {
  'staff.sign-in': 'Вход',
  'staff.sign-in-failed': 'Неудачная попытка входа',
  'staff.sign-out': 'Выход',
  'staff.invited': 'Приглашение сотрудника',
  'staff.invitation-accepted': 'Пароль задан по приглашению',
  'staff.roles-changed': 'Изменение ролей',
  'staff.deactivated': 'Отключение сотрудника',
  'staff.totp-enabled': 'Подключено приложение-аутентификатор',
  'staff.totp-disabled': 'Отключено приложение-аутентификатор',
  'audit.exported': 'Выгрузка журнала в CSV',
};

export function actionLabel(action: string): string {
  return ACTION_LABELS[action] ?? action;
}
