import { emailContent, type EmailContent } from '../../messaging/email.js';
import { date, rubles } from '../../lib/format.js';

export function reminderEmail(payerCode: string, chargeDate: string, amountKopecks: number, maxKopecks: number): EmailContent {
  const what =
    amountKopecks <= 0
      ? 'Задолженности нет: списывать нечего.'
      : amountKopecks > maxKopecks
        ? `К оплате ${rubles(amountKopecks)} — больше максимальной суммы ${rubles(maxKopecks)}: списания не будет, оплатите счёт в разделе «Оплата».`
        : `Будет списано ${rubles(amountKopecks)} с сохранённой карты.`;
  return emailContent(`Автоплатёж по лицевому счёту ${payerCode} завтра`, [
    `Завтра, ${date(chargeDate)}, автоплатёж по лицевому счёту ${payerCode}. ${what}`,
    'Отменить автоплатёж можно в любой момент в разделе «История платежей» → «Автоплатёж».',
  ]);
}

export function chargedEmail(payerCode: string, amountKopecks: number): EmailContent {
  return emailContent(`Автоплатёж выполнен: ${rubles(amountKopecks)}`, [
    `По лицевому счёту ${payerCode} списано ${rubles(amountKopecks)}. Квитанция придёт отдельным письмом.`,
  ]);
}

export function overLimitEmail(payerCode: string, amountKopecks: number, maxKopecks: number): EmailContent {
  return emailContent(`Автоплатёж не выполнен: сумма больше лимита`, [
    `По лицевому счёту ${payerCode} к оплате ${rubles(amountKopecks)} — больше максимальной суммы автоплатежа ${rubles(maxKopecks)}. Ничего не списано.`,
    'Оплатите счёт в разделе «Оплата» или увеличьте максимальную сумму.',
  ]);
}

export function failedEmail(payerCode: string, amountKopecks: number, nextAttemptOn: string | null): EmailContent {
  return emailContent(`Автоплатёж не выполнен`, [
    `Банк отклонил списание ${rubles(amountKopecks)} по лицевому счёту ${payerCode}. Деньги не списаны.`,
    nextAttemptOn ? `Попробуем ещё раз ${date(nextAttemptOn)}.` : 'Попыток больше не будет: оплатите счёт в разделе «Оплата».',
  ]);
}
