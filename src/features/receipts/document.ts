import { dateTime, period as periodLabel, rubles } from '../../lib/format.js';
import type { FiscalItem, FiscalReceipt, FiscalReceiptRequest } from '../fiscal-register/register.js';
import { TAX_SYSTEM_LABELS } from '../fiscal-register/rules.js';

// «Квитанция об оплате»: what a succeeded payment paid, to whom, and the fiscal
// receipt the register issued for it. One pure function builds the document the
// page, the print layout, the PDF and the email all show.

export type Payee = { name: string; inn: string; phone: string };
/** A service's debt of a period, or (period null) the penalty or an advance, with its payee. */
export type ReceiptLine = { payee: Payee; service: string; period: string | null; amountKopecks: number };

/** What the receipt is built from: one succeeded payment and where its money went. */
export type ReceiptInput = {
  paymentId: number;
  payerCode: string;
  address: string;
  flat: string;
  methodLabel: string;
  acquirerTransactionId: string;
  paidAt: Date;
  /** The allocation: one line per service and period, with the payee who receives it. */
  lines: ReceiptLine[];
  fiscal: FiscalReceipt | null;
};

export type ReceiptDocument = {
  title: 'Квитанция об оплате';
  paymentId: number;
  payerCode: string;
  address: string;
  periods: string;
  paidAt: string;
  methodLabel: string;
  acquirerTransactionId: string;
  payees: { payee: Payee; lines: { service: string; period: string; amount: string }[]; total: string }[];
  totalKopecks: number;
  total: string;
  fiscal: FiscalSection | null;
};

export type FiscalSection = {
  heading: 'Кассовый чек';
  /** The head of the receipt: settlement sign, organisation, place, tax system. */
  header: [string, string][];
  items: { name: string; amount: string; attributes: [string, string][] }[];
  /** Totals, the buyer's contact and the register's fiscal data. */
  footer: [string, string][];
  qr: string;
};

/** A line's name on the fiscal receipt: the service, its period and the payer code. */
export function itemName(line: { service: string; period: string | null }, payerCode: string): string {
  return `${line.service}${line.period ? `, ${periodLabel(line.period)}` : ''}, л/с ${payerCode}`;
}

/** What the register is asked to fiscalise for a payment (the key makes a retry harmless). */
export function fiscalRequestFor(input: Omit<ReceiptInput, 'fiscal'>, customerContact: string): FiscalReceiptRequest {
  const items: FiscalItem[] = input.lines.map((line) => ({
    name: itemName(line, input.payerCode),
    amountKopecks: line.amountKopecks,
    quantity: 1,
    paymentMethod: 'full_payment',
    paymentObject: 'service',
    vat: 'none',
    agent: 'payment_agent',
    supplier: line.payee,
  }));
  return {
    externalId: `payment-${input.paymentId}`,
    operation: 'income',
    items,
    totalKopecks: items.reduce((sum, item) => sum + item.amountKopecks, 0),
    customerContact,
    paidAt: input.paidAt,
  };
}

function fiscalSection(fiscal: FiscalReceipt, input: ReceiptInput): FiscalSection {
  const contactLabel = fiscal.customerContact.includes('@') ? 'Эл. адрес покупателя' : 'Телефон покупателя';
  return {
    heading: 'Кассовый чек',
    header: [
      ['Признак расчёта', 'Приход'],
      ['Организация', fiscal.companyName],
      ['ИНН', fiscal.companyInn],
      ['Место расчётов', fiscal.settlementPlace],
      ['Система налогообложения', TAX_SYSTEM_LABELS[fiscal.taxSystem]],
      ['Смена', String(fiscal.shiftNumber)],
      ['Чек', String(fiscal.numberInShift)],
    ],
    items: input.lines.map((line) => ({
      name: itemName(line, input.payerCode),
      amount: rubles(line.amountKopecks),
      attributes: [
        ['Способ расчёта', 'Полный расчёт'],
        ['Предмет расчёта', 'Услуга'],
        ['НДС', 'без НДС'],
        ['Признак агента', 'Платёжный агент'],
        ['Поставщик', line.payee.name],
        ['ИНН поставщика', line.payee.inn],
        ['Телефон поставщика', line.payee.phone],
      ],
    })),
    footer: [
      ['Итог', rubles(fiscal.totalKopecks)],
      ['Безналичными', rubles(fiscal.totalKopecks)],
      ['Сумма без НДС', rubles(fiscal.totalKopecks)],
      [contactLabel, fiscal.customerContact],
      ['Сайт ФНС', fiscal.taxServiceSite],
      ['ОФД', fiscal.ofdName],
      ['Рег. номер ККТ', fiscal.registrationNumber],
      ['ФН', fiscal.fnNumber],
      ['ФД', String(fiscal.fdNumber)],
      ['ФП', fiscal.fiscalSign],
      ['Дата и время', dateTime(fiscal.issuedAt)],
    ],
    qr: fiscal.qr,
  };
}

export function receiptDocument(input: ReceiptInput): ReceiptDocument {
  const byPayee = new Map<string, ReceiptDocument['payees'][number] & { kopecks: number }>();
  for (const line of input.lines) {
    const group = byPayee.get(line.payee.inn + line.payee.name) ?? { payee: line.payee, lines: [], total: '', kopecks: 0 };
    group.lines.push({ service: line.service, period: line.period ? periodLabel(line.period) : '', amount: rubles(line.amountKopecks) });
    group.kopecks += line.amountKopecks;
    byPayee.set(line.payee.inn + line.payee.name, group);
  }
  const totalKopecks = input.lines.reduce((sum, line) => sum + line.amountKopecks, 0);
  const periods = [...new Set(input.lines.flatMap((line) => (line.period ? [line.period] : [])))].sort();
  return {
    title: 'Квитанция об оплате',
    paymentId: input.paymentId,
    payerCode: input.payerCode,
    address: `${input.address}, кв. ${input.flat}`,
    periods: periods.length > 0 ? periods.map(periodLabel).join(', ') : '—',
    paidAt: dateTime(input.paidAt),
    methodLabel: input.methodLabel,
    acquirerTransactionId: input.acquirerTransactionId,
    payees: [...byPayee.values()].map(({ kopecks, ...group }) => ({ ...group, total: rubles(kopecks) })),
    totalKopecks,
    total: rubles(totalKopecks),
    fiscal: input.fiscal ? fiscalSection(input.fiscal, input) : null,
  };
}
