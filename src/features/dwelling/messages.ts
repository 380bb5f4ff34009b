import { emailContent, type EmailContent } from '../../messaging/email.js';
import { period } from '../../lib/format.js';

type Where = { payerCode: string; address: string; flat: string };

export function dwellingApprovedEmail(input: Where & { effectiveFrom: string }): EmailContent {
  return emailContent('Изменение данных помещения одобрено', [
    `Заявка на изменение данных помещения по лицевому счёту ${input.payerCode} (${input.address}, кв. ${input.flat}) одобрена. Новые данные применятся с расчётного периода «${period(input.effectiveFrom)}».`,
  ]);
}

export function dwellingRejectedEmail(input: Where & { reason: string }): EmailContent {
  return emailContent('Изменение данных помещения отклонено', [
    `Заявка на изменение данных помещения по лицевому счёту ${input.payerCode} (${input.address}, кв. ${input.flat}) отклонена.\nПричина: ${input.reason}`,
  ]);
}
