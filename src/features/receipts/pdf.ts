import { drawQr, startPdf } from '../../lib/pdf.js';
import type { ReceiptDocument } from './document.js';

// The receipt as a PDF: the same sections as the page, the fiscal receipt with its QR.

function pairs(doc: PDFKit.PDFDocument, rows: [string, string][], indent = 0): void {
  const left = doc.page.margins.left + indent;
  for (const [label, value] of rows) {
    if (doc.y > doc.page.height - 60) doc.addPage();
    const y = doc.y;
    doc.font('regular').fontSize(9).text(label, left, y, { width: 170 - indent });
    const labelBottom = doc.y;
    doc.text(value, doc.page.margins.left + 175, y, { width: 330 });
    doc.y = Math.max(labelBottom, doc.y);
  }
}

/** The receipt as PDF bytes. */
export async function receiptPdf(receipt: ReceiptDocument): Promise<Buffer> {
  const { doc, finish } = await startPdf(`${receipt.title} № ${receipt.paymentId}`);
  doc.font('bold').fontSize(14).text(`${receipt.title} № ${receipt.paymentId}`);
  doc.moveDown(0.5);
  pairs(doc, [
    ['Код плательщика', receipt.payerCode],
    ['Адрес', receipt.address],
    ['Период', receipt.periods],
    ['Дата и время', `${receipt.paidAt} (МСК)`],
    ['Способ оплаты', receipt.methodLabel],
    ['Номер операции', receipt.acquirerTransactionId],
  ]);
  for (const group of receipt.payees) {
    doc.moveDown(0.8).font('bold').fontSize(10).text(group.payee.name, doc.page.margins.left);
    doc.font('regular').fontSize(8).text(`ИНН ${group.payee.inn}`);
    pairs(doc, group.lines.map((line) => [[line.service, line.period].filter(Boolean).join(', '), line.amount]));
    doc.font('bold');
    pairs(doc, [['Итого получателю', group.total]]);
  }
  doc.moveDown(0.5).font('bold').fontSize(11).text(`Итого оплачено: ${receipt.total}`, doc.page.margins.left);

  const fiscal = receipt.fiscal;
  if (fiscal) {
    if (doc.y > doc.page.height - 300) doc.addPage();
    doc.moveDown(1).font('bold').fontSize(12).text(fiscal.heading, doc.page.margins.left);
    pairs(doc, fiscal.header);
    for (const item of fiscal.items) {
      doc.moveDown(0.4).font('bold').fontSize(9).text(`${item.name} — ${item.amount}`, doc.page.margins.left);
      pairs(doc, item.attributes, 10);
    }
    doc.moveDown(0.4);
    pairs(doc, fiscal.footer);
    if (doc.y > doc.page.height - 150) doc.addPage();
    const y = doc.y + 8;
    await drawQr(doc, fiscal.qr, doc.page.margins.left, y, 110);
    doc.font('regular').fontSize(7).text(fiscal.qr, doc.page.margins.left + 120, y + 40, { width: 380 });
  } else {
    doc.moveDown(1).font('regular').fontSize(9).text('Кассовый чек ещё не получен от онлайн-кассы: он появится здесь и придёт на электронную почту.', doc.page.margins.left);
  }
  return finish();
}
