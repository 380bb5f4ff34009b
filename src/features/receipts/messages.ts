import { emailContent, type EmailContent } from '../../messaging/email.js';
import type { ReceiptDocument } from './document.js';

/** The receipt by email, once the register has issued the fiscal receipt. */
export function receiptEmail(receipt: ReceiptDocument, publicUrl: string): EmailContent {
  const lines = receipt.payees.map((group) =>
    [`${group.payee.name} (ИНН ${group.payee.inn}):`, ...group.lines.map((l) => `  ${[l.service, l.period].filter(Boolean).join(', ')} — ${l.amount}`)].join('\n'),
  );
  const fiscal = receipt.fiscal
    ? [`${receipt.fiscal.heading}, приход:`, ...receipt.fiscal.footer.map(([label, value]) => `${label}: ${value}`)].join('\n')
    : '';
  return emailContent(`Квитанция об оплате № ${receipt.paymentId}: ${receipt.total}`, [
    `Платёж выполнен ${receipt.paidAt} (московское время). Код плательщика ${receipt.payerCode}, ${receipt.address}, период: ${receipt.periods}.`,
    ...lines,
    `Итого оплачено: ${receipt.total}. Способ оплаты: ${receipt.methodLabel}. Номер операции: ${receipt.acquirerTransactionId}.`,
    ...(fiscal ? [fiscal] : []),
    `Квитанция и PDF: ${publicUrl}/receipts/${receipt.paymentId}`,
  ]);
}
