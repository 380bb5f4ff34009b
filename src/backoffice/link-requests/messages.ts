import { emailContent, type EmailContent } from '../../messaging/email.js';

export function linkApprovedEmail(input: { payerCode: string; flat: string }): EmailContent {
  return emailContent('Лицевой счёт подключён', [
    `Лицевой счёт ${input.payerCode} (кв. ${input.flat}) подключён к услуге «Оплата ЖКХ». Теперь в личном кабинете можно смотреть счета, передавать показания и оплачивать услуги.`,
  ]);
}

export function linkRejectedEmail(input: { payerCode: string; flat: string; reason: string }): EmailContent {
  return emailContent('Заявка на подключение отклонена', [
    `Заявка на подключение лицевого счёта ${input.payerCode} (кв. ${input.flat}) отклонена.\nПричина: ${input.reason}`,
    'Проверьте данные по единому платёжному документу и подайте заявку ещё раз.',
  ]);
}
