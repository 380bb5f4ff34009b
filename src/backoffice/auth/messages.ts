import { emailContent, type EmailContent } from '../../messaging/email.js';

export function staffSignInCodeEmail(code: string): EmailContent {
  return emailContent(`Код для входа в служебный кабинет: ${code}`, [
    `Код подтверждения для входа в служебный кабинет ЖКУ: ${code}`,
    'Код действует 10 минут. Никому его не сообщайте. Если вы не входили, сообщите администратору.',
  ]);
}
