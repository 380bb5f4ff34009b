import { createHmac } from 'node:crypto';
import { MOSCOW_OFFSET_MS } from '../../lib/calendar.js';
import type { FiscalReceiptRequest, TaxSystem } from './register.js';

export const TAX_SERVICE_SITE = 'www.nalog.gov.ru';

export const TAX_SYSTEM_LABELS: Record<TaxSystem, string> = {
  osn: 'ОСН',
  usn_income: 'УСН доход',
  usn_income_outcome: 'УСН доход − расход',
  esn: 'ЕСХН',
  patent: 'Патент',
};

/** The local (Moscow) date and time of a fiscal document as the QR writes it: 20261120T1205. */
export function fiscalDateTime(instant: Date): string {
  const iso = new Date(instant.getTime() + MOSCOW_OFFSET_MS).toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}`;
}

/**
 * The receipt's QR string in the form the tax service's app reads:
 * t=YYYYMMDDTHHMM&s=RUB.KK&fn=…&i=<ФД>&fp=<ФП>&n=1 (n=1: «Приход»).
 */
export function fiscalQr(receipt: { issuedAt: Date; totalKopecks: number; fnNumber: string; fdNumber: number; fiscalSign: string }): string {
  const rub = Math.floor(receipt.totalKopecks / 100);
  const kop = String(receipt.totalKopecks % 100).padStart(2, '0');
  return `t=${fiscalDateTime(receipt.issuedAt)}&s=${rub}.${kop}&fn=${receipt.fnNumber}&i=${receipt.fdNumber}&fp=${receipt.fiscalSign}&n=1`;
}

/**
 * The fiscal sign: the fiscal drive signs the document's data with its key and
 * prints 32 bits of the result as a 10-digit number.
 */
export function fiscalSign(key: string, data: { fnNumber: string; fdNumber: number; issuedAt: Date; totalKopecks: number }): string {
  const mac = createHmac('sha256', key).update(`${data.fnNumber}|${data.fdNumber}|${fiscalDateTime(data.issuedAt)}|${data.totalKopecks}`).digest();
  return String(mac.readUInt32BE(0)).padStart(10, '0');
}

/** What a register refuses before issuing anything: a receipt whose lines do not add up is never fiscalised. */
export function requestProblems(request: FiscalReceiptRequest): string[] {
  const problems: string[] = [];
  if (request.items.length === 0) problems.push('no items');
  for (const item of request.items) {
    if (!Number.isInteger(item.amountKopecks) || item.amountKopecks <= 0) problems.push(`item «${item.name}»: amount must be a positive number of kopecks`);
    if (!/^\d{10}(\d{2})?$/.test(item.supplier.inn)) problems.push(`item «${item.name}»: supplier ИНН must have 10 or 12 digits`);
    if (item.supplier.phone.trim() === '') problems.push(`item «${item.name}»: supplier phone is required for a payment agent`);
  }
  const sum = request.items.reduce((total, item) => total + item.amountKopecks, 0);
  if (sum !== request.totalKopecks) problems.push(`total ${request.totalKopecks} differs from the sum of items ${sum}`);
  if (request.customerContact.trim() === '') problems.push('customer contact is required for an electronic receipt');
  return problems;
}
