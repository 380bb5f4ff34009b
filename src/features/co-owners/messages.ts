import { emailContent, type EmailContent } from '../../messaging/email.js';

export function coOwnerInvitationEmail(input: { payerCode: string; address: string; rights: string; link: string }): EmailContent {
  return emailContent('Приглашение стать совладельцем лицевого счёта', [
    `Вас пригласили в личный кабинет ЖКУ как совладельца лицевого счёта ${input.payerCode} (${input.address}).\nПрава: ${input.rights}.`,
    `Чтобы принять приглашение, откройте ссылку в течение 7 дней и войдите или зарегистрируйтесь с этим адресом почты:\n${input.link}`,
    'Если вы не ждали этого письма, просто удалите его.',
  ]);
}
