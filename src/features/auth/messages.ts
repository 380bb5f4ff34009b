import { emailContent as email, type EmailContent } from '../../messaging/email.js';

// Texts of every email and SMS about the resident account. An SMS stays under 70
// characters so that it fits one Cyrillic SMS.

const NOT_YOU = 'Если это были не вы, смените пароль';

export function confirmationEmail(link: string): EmailContent {
  return email('Подтвердите адрес электронной почты', [
    'Здравствуйте!',
    `Вы зарегистрировались в личном кабинете ЖКУ. Чтобы подтвердить адрес электронной почты, откройте ссылку (она действует 24 часа):\n${link}`,
    'Если вы не регистрировались, просто не отвечайте на это письмо.',
  ]);
}

export function alreadyRegisteredEmail(publicUrl: string): EmailContent {
  return email('Попытка регистрации с вашим адресом', [
    'Здравствуйте!',
    'Кто-то попытался зарегистрироваться в личном кабинете ЖКУ с вашим адресом электронной почты. Учётная запись с этим адресом у вас уже есть, вторую создать нельзя.',
    `Войти: ${publicUrl}/login\nЕсли вы забыли пароль, восстановите его: ${publicUrl}/password-reset`,
    'Если это были не вы, ничего делать не нужно.',
  ]);
}

export function signInCodeEmail(code: string): EmailContent {
  return email(`Код для входа: ${code}`, [
    `Ваш код подтверждения для входа в личный кабинет ЖКУ: ${code}`,
    'Код действует 10 минут. Никому его не сообщайте, даже сотрудникам управляющей организации.',
    `Если вы не входили в кабинет, кто-то знает ваш пароль. ${NOT_YOU}.`,
  ]);
}

export function signInCodeSms(code: string): string {
  return `Код входа в кабинет ЖКУ: ${code}. Никому его не сообщайте`;
}

export function phoneChangeSms(code: string): string {
  return `Код смены номера в кабинете ЖКУ: ${code}. Никому не сообщайте`;
}

export function lockedEmail(publicUrl: string): EmailContent {
  return email('Вход в личный кабинет временно заблокирован', [
    'Здравствуйте!',
    'К вашей учётной записи 10 раз подряд ввели неверный пароль. Мы заблокировали вход на 15 минут.',
    `Если это были вы, подождите и попробуйте снова или восстановите пароль: ${publicUrl}/password-reset\n${NOT_YOU} по той же ссылке.`,
  ]);
}

export function resetEmail(link: string): EmailContent {
  return email('Восстановление пароля', [
    'Здравствуйте!',
    `Чтобы задать новый пароль, откройте ссылку (она действует 1 час и срабатывает один раз):\n${link}`,
    'Если вы не просили восстановить пароль, просто не отвечайте на это письмо: пароль останется прежним.',
  ]);
}

export function passwordChangedEmail(publicUrl: string): EmailContent {
  return email('Пароль изменён', [
    'Здравствуйте!',
    'Пароль от вашего личного кабинета ЖКУ изменён. Все остальные сеансы входа завершены.',
    `Если это были не вы, восстановите пароль: ${publicUrl}/password-reset`,
  ]);
}

export function emailChangeEmail(link: string): EmailContent {
  return email('Подтвердите новый адрес электронной почты', [
    'Здравствуйте!',
    `В личном кабинете ЖКУ этот адрес указан как новый адрес электронной почты. Чтобы подтвердить его, откройте ссылку (она действует 24 часа):\n${link}`,
    'Если вы ничего не меняли, просто не отвечайте на это письмо.',
  ]);
}

export function emailChangeNoticeEmail(newEmail: string, publicUrl: string): EmailContent {
  return email('Запрошена смена адреса электронной почты', [
    'Здравствуйте!',
    `В вашем личном кабинете ЖКУ запрошена смена адреса электронной почты на ${newEmail}. Адрес сменится, когда владелец нового адреса откроет ссылку из письма.`,
    `${NOT_YOU}: ${publicUrl}/password-reset`,
  ]);
}
