import { emailContent, type EmailContent } from '../../messaging/email.js';

type Account = { payerCode: string; address: string; flat: string };

export function ownershipTakenAwayEmail(input: Account & { reason: string }): EmailContent {
  return emailContent('Права владельца лицевого счёта переданы', [
    `Управляющая организация передала права владельца лицевого счёта ${input.payerCode} (${input.address}, кв. ${input.flat}) другому жителю.\nОснование: ${input.reason}`,
    'Лицевой счёт больше не показывается в вашем личном кабинете. Если это ошибка, ответьте на это письмо или обратитесь в управляющую организацию.',
  ]);
}

export function ownershipGivenEmail(input: Account): EmailContent {
  return emailContent('Вы владелец лицевого счёта', [
    `Управляющая организация передала вам права владельца лицевого счёта ${input.payerCode} (${input.address}, кв. ${input.flat}).`,
    'Теперь в личном кабинете можно смотреть счета, передавать показания и приглашать совладельцев.',
  ]);
}
