import { date, period, rubles } from '../../lib/format.js';
import { drawQr, startPdf } from '../../lib/pdf.js';
import type { BillDocument } from './service.js';

// The ЕПД as a PDF: the same sections as the page.

const COLUMNS = [
  { title: 'Услуга', width: 150, align: 'left' as const },
  { title: 'Объём', width: 55, align: 'right' as const },
  { title: 'Ед.', width: 40, align: 'left' as const },
  { title: 'Тариф', width: 65, align: 'right' as const },
  { title: 'Начислено', width: 70, align: 'right' as const },
  { title: 'Перерасчёт', width: 65, align: 'right' as const },
  { title: 'Итого', width: 70, align: 'right' as const },
];

function row(doc: PDFKit.PDFDocument, cells: string[], y: number, font: string): number {
  let x = doc.page.margins.left;
  let height = 0;
  doc.font(font).fontSize(8);
  cells.forEach((cell, i) => {
    const column = COLUMNS[i]!;
    doc.text(cell, x, y, { width: column.width - 4, align: column.align });
    height = Math.max(height, doc.heightOfString(cell, { width: column.width - 4 }));
    x += column.width;
  });
  return y + height + 3;
}

/** The bill as PDF bytes. */
export async function billPdf(bill: BillDocument): Promise<Buffer> {
  const { doc, finish } = await startPdf(`ЕПД ${bill.payerCode} за ${period(bill.summary.period)}`);

  doc.font('bold').fontSize(14).text(`Единый платёжный документ за ${period(bill.summary.period)}`);
  doc.moveDown(0.5).font('regular').fontSize(10);
  doc.text(`Лицевой счёт (код плательщика): ${bill.payerCode}`);
  doc.text(`Адрес: ${bill.address}, кв. ${bill.flat}`);
  doc.text(`Задолженность (переплата) на начало периода: ${rubles(bill.balanceForwardKopecks)}`);
  doc.text(`Оплачено в периоде: ${rubles(bill.paidKopecks)}`);
  doc.text(`Начислено за период: ${rubles(bill.chargedKopecks)}`);
  doc.text(`Пени: ${rubles(bill.summary.penaltyKopecks)}`);
  doc.font('bold').text(`Итого к оплате: ${rubles(bill.summary.amountDueKopecks)}, оплатить до ${date(bill.summary.dueDate)}`);

  for (const section of bill.sections) {
    if (doc.y > doc.page.height - 260) doc.addPage();
    doc.moveDown(1).font('bold').fontSize(11).text(section.payee.name, doc.page.margins.left);
    doc.font('regular').fontSize(8).text(
      `ИНН ${section.payee.inn}, КПП ${section.payee.kpp}, р/с ${section.payee.account} в ${section.payee.bankName}, БИК ${section.payee.bic}, к/с ${section.payee.corrAccount}`,
    );
    let y = row(doc, COLUMNS.map((c) => c.title), doc.y + 4, 'bold');
    for (const line of section.lines) {
      if (y > doc.page.height - 80) {
        doc.addPage();
        y = doc.page.margins.top;
      }
      y = row(doc, [
        `${line.name}${line.zone ? ` (${line.zone})` : ''}${line.recalculationReason ? `\n${line.recalculationReason}` : ''}`,
        line.quantity.toLocaleString('ru-RU', { maximumFractionDigits: 3 }),
        line.unit,
        rubles(line.tariffKopecks),
        rubles(line.chargedKopecks),
        line.recalculationKopecks !== 0 ? rubles(line.recalculationKopecks) : '—',
        rubles(line.totalKopecks),
      ], y, 'regular');
    }
    y = row(doc, ['Итого по получателю', '', '', '', '', '', rubles(section.totalKopecks)], y, 'bold');
    if (section.qr) {
      if (y > doc.page.height - 140) {
        doc.addPage();
        y = doc.page.margins.top;
      }
      await drawQr(doc, section.qr, doc.page.margins.left, y + 4, 100);
      doc.font('regular').fontSize(9).text(`К оплате получателю: ${rubles(section.toPayKopecks)}. Отсканируйте QR-код в приложении банка.`, doc.page.margins.left + 110, y + 40, { width: 300 });
      doc.y = y + 110;
    }
  }
  return finish();
}
