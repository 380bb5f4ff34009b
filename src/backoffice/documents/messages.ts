import { emailContent, type EmailContent } from '../../messaging/email.js';

export function identityConfirmedEmail(input: { documentKind: string; link: string }): EmailContent {
  return emailContent('Личность подтверждена', [
    'Здравствуйте!',
    `Модератор проверил ваши документы (${input.documentKind}): личность подтверждена. Теперь вы можете подключать лицевые счета и оплачивать услуги.`,
    input.link,
  ]);
}

export function identityRejectedEmail(input: { documentKind: string; reason: string; link: string }): EmailContent {
  return emailContent('Документы не приняты', [
    'Здравствуйте!',
    `Модератор проверил ваши документы (${input.documentKind}) и не смог подтвердить личность.\nПричина отказа: ${input.reason}`,
    `Исправьте замечание и загрузите документы ещё раз:\n${input.link}`,
  ]);
}
