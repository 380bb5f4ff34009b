import { emailContent, type EmailContent } from '../../messaging/email.js';

type About = { payerCode: string; what: string };

export function meterRequestApprovedEmail(input: About): EmailContent {
  return emailContent('Заявка на регистрацию счётчика одобрена', [
    `Заявка по лицевому счёту ${input.payerCode} одобрена: ${input.what}. Показания по счётчику можно передавать в разделе «Показания».`,
  ]);
}

export function meterRequestRejectedEmail(input: About & { reason: string }): EmailContent {
  return emailContent('Заявка на регистрацию счётчика отклонена', [
    `Заявка по лицевому счёту ${input.payerCode} (${input.what}) отклонена.\nПричина: ${input.reason}`,
  ]);
}
