import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { PAYMENT_METHOD_LABELS } from '../../lib/labels.js';
import { sendEmailLater } from '../../messaging/service.js';
import type { FiscalReceipt, FiscalRegister } from '../fiscal-register/register.js';
import { fiscalRequestFor, receiptDocument, type ReceiptDocument, type ReceiptInput, type ReceiptLine } from './document.js';
import { receiptEmail } from './messages.js';

// Receipts of succeeded payments: gathering what one shows (two queries, whatever
// the number of lines), issuing the fiscal receipt once and emailing it once.

const OTHER_LINES = { penalty: 'Пени', advance: 'Аванс' } as const;

type PaymentFacts = Omit<ReceiptInput, 'fiscal'> & { residentId: number; residentEmail: string; accountId: number };

/** A succeeded payment with its allocation lines, or null (unknown, or not succeeded). */
async function paymentFacts(db: Kysely<Database>, paymentId: number): Promise<PaymentFacts | null> {
  const payment = await db
    .selectFrom('online_payments as op')
    .innerJoin('residents as r', 'r.id', 'op.resident_id')
    .innerJoin('payer_accounts as pa', 'pa.id', 'op.payer_account_id')
    .innerJoin('premises as p', 'p.id', 'pa.premises_id')
    .innerJoin('buildings as b', 'b.id', 'p.building_id')
    .select(['op.id', 'op.resident_id', 'op.payer_account_id', 'op.method', 'op.transaction_id', 'op.paid_at', 'r.email', 'pa.payer_code', 'b.address', 'p.flat_number'])
    .where('op.id', '=', paymentId)
    .where('op.status', '=', 'succeeded')
    .executeTakeFirst();
  if (!payment) return null;
  const allocations = await db
    .selectFrom('payment_allocations as a')
    .innerJoin('payees as pe', 'pe.id', 'a.payee_id')
    .leftJoin('services as s', 's.code', 'a.service')
    .select((eb) => ['a.kind', 'a.period', 's.name as service_name', 's.sort_order', 'pe.name', 'pe.inn', 'pe.phone', eb.fn.sum<number>('a.amount_kopecks').as('amount')])
    .where('a.payment_id', '=', paymentId)
    .groupBy(['a.kind', 'a.period', 's.name', 's.sort_order', 'pe.id', 'pe.name', 'pe.inn', 'pe.phone'])
    .orderBy('pe.id')
    .orderBy('a.period')
    .orderBy('s.sort_order')
    .orderBy('a.kind')
    .execute();
  const lines: ReceiptLine[] = allocations.map((a) => ({
    payee: { name: a.name, inn: a.inn, phone: a.phone ?? '' },
    service: a.kind === 'debt' ? a.service_name! : OTHER_LINES[a.kind],
    period: a.kind === 'debt' ? a.period : null,
    amountKopecks: Number(a.amount),
  }));
  return {
    paymentId: Number(payment.id),
    residentId: payment.resident_id,
    residentEmail: payment.email,
    accountId: payment.payer_account_id,
    payerCode: payment.payer_code,
    address: payment.address,
    flat: payment.flat_number,
    methodLabel: PAYMENT_METHOD_LABELS[payment.method],
    acquirerTransactionId: payment.transaction_id!,
    paidAt: new Date(payment.paid_at!),
    lines,
  };
}

async function storedFiscalReceipt(db: Kysely<Database>, paymentId: number): Promise<FiscalReceipt | null> {
  const row = await db.selectFrom('payment_receipts').selectAll().where('payment_id', '=', paymentId).executeTakeFirst();
  if (!row) return null;
  return {
    externalId: `payment-${row.payment_id}`,
    registrationNumber: row.registration_number,
    fnNumber: row.fn_number,
    fdNumber: row.fd_number,
    fiscalSign: row.fiscal_sign,
    shiftNumber: row.shift_number,
    numberInShift: row.number_in_shift,
    issuedAt: new Date(row.issued_at),
    companyName: row.company_name,
    companyInn: row.company_inn,
    taxSystem: row.tax_system,
    settlementPlace: row.settlement_place,
    ofdName: row.ofd_name,
    taxServiceSite: row.tax_service_site,
    totalKopecks: Number(row.total_kopecks),
    customerContact: row.customer_contact,
    qr: row.qr,
  };
}

/** j***@example.ru: a co-owner sees that the receipt went out, not the payer's address. */
export function maskContact(contact: string): string {
  const at = contact.indexOf('@');
  if (at > 0) return `${contact[0]}***${contact.slice(at)}`;
  return contact.length > 4 ? `${'*'.repeat(contact.length - 4)}${contact.slice(-4)}` : '****';
}

/**
 * The receipt of a succeeded payment to one of `accountIds` (the accounts the
 * viewer may see), or null. The buyer's contact is shown whole to the payer only.
 */
export async function receiptFor(db: Kysely<Database>, viewerId: number, accountIds: number[], paymentId: number): Promise<ReceiptDocument | null> {
  const facts = await paymentFacts(db, paymentId);
  if (!facts || !accountIds.includes(facts.accountId)) return null;
  const fiscal = await storedFiscalReceipt(db, paymentId);
  const shown = fiscal && facts.residentId !== viewerId ? { ...fiscal, customerContact: maskContact(fiscal.customerContact) } : fiscal;
  return receiptDocument({ ...facts, fiscal: shown });
}

/**
 * After a payment succeeded: the register issues the fiscal receipt (once: the
 * request carries the payment as its key), we store it and email the receipt in one
 * transaction. Safe to run twice: a stored receipt ends the work, and a second
 * register call returns the first document.
 */
export async function issueReceipt(db: Kysely<Database>, register: FiscalRegister, paymentId: number, publicUrl: string): Promise<'issued' | 'already issued' | 'not succeeded'> {
  const facts = await paymentFacts(db, paymentId);
  if (!facts) return 'not succeeded';
  if (await storedFiscalReceipt(db, paymentId)) return 'already issued';
  const fiscal = await register.register(fiscalRequestFor(facts, facts.residentEmail));
  return db.transaction().execute(async (trx) => {
    const stored = await trx
      .insertInto('payment_receipts')
      .values({
        payment_id: paymentId,
        registration_number: fiscal.registrationNumber,
        fn_number: fiscal.fnNumber,
        fd_number: fiscal.fdNumber,
        fiscal_sign: fiscal.fiscalSign,
        shift_number: fiscal.shiftNumber,
        number_in_shift: fiscal.numberInShift,
        issued_at: fiscal.issuedAt,
        company_name: fiscal.companyName,
        company_inn: fiscal.companyInn,
        tax_system: fiscal.taxSystem,
        settlement_place: fiscal.settlementPlace,
        ofd_name: fiscal.ofdName,
        tax_service_site: fiscal.taxServiceSite,
        total_kopecks: fiscal.totalKopecks,
        customer_contact: fiscal.customerContact,
        qr: fiscal.qr,
      })
      .onConflict((oc) => oc.column('payment_id').doNothing())
      .returning('payment_id')
      .executeTakeFirst();
    if (!stored) return 'already issued' as const;
    const email = receiptEmail(receiptDocument({ ...facts, fiscal }), publicUrl);
    await sendEmailLater(trx, { to: facts.residentEmail, ...email });
    return 'issued' as const;
  });
}
