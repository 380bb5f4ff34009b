import { emailContent, type EmailContent } from '../../messaging/email.js';

export function staffInvitationEmail(input: { fullName: string; roles: string; link: string }): EmailContent {
  return emailContent('Приглашение в служебный кабинет ЖКУ', [
    `Здравствуйте, ${input.fullName}!`,
    `Вас пригласили в служебный кабинет ЖКУ (роли: ${input.roles}).\nЧтобы задать пароль, откройте ссылку (она действует 72 часа):\n${input.link}`,
    'Если вы не ждали этого письма, просто удалите его.',
  ]);
}
