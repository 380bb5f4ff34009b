import t from 'tap';
import { SandboxFiscalRegister } from '../../../src/features/fiscal-register/sandbox.js';
import type { FiscalReceiptRequest } from '../../../src/features/fiscal-register/register.js';
import { fixedClock } from '../../../src/lib/calendar.js';
import { freshDatabase } from '../../fixtures/database.js';

function request(externalId: string, amounts: number[]): FiscalReceiptRequest {
  return {
    externalId,
    operation: 'income',
    totalKopecks: amounts.reduce((a, b) => a + b, 0),
    customerContact: 'payer@example.test',
    paidAt: new Date('2026-11-20T09:00:00Z'),
    items: amounts.map((amountKopecks, i) => ({
      name: `Услуга ${i + 1}`,
      amountKopecks,
      quantity: 1,
      paymentMethod: 'full_payment',
      paymentObject: 'service',
      vat: 'none',
      agent: 'payment_agent',
      supplier: { name: 'АО «Мосэнергосбыт»', inn: '7736520080', phone: '+7 495 981-98-19' },
    })),
  };
}

t.test('the sandbox register answers like a real one: numbers, signs, shifts, one document per key', async (t) => {
  const { db } = await freshDatabase(t.teardown);
  let clock = fixedClock('2026-11-20T09:15:00Z');
  const register = () => new SandboxFiscalRegister(db, clock, 'https://zhku.example.ru');

  const first = await register().register(request('payment-1', [10000, 2550]));
  t.match(first, {
    externalId: 'payment-1',
    registrationNumber: /^\d{16}$/,
    fnNumber: /^\d{16}$/,
    fdNumber: 1,
    fiscalSign: /^\d{10}$/,
    shiftNumber: 1,
    numberInShift: 1,
    companyInn: /^\d{10}$/,
    taxSystem: 'osn',
    settlementPlace: 'https://zhku.example.ru',
    taxServiceSite: 'www.nalog.gov.ru',
    totalKopecks: 12550,
    customerContact: 'payer@example.test',
  });
  t.equal(first.qr, `t=20261120T1215&s=125.50&fn=${first.fnNumber}&i=1&fp=${first.fiscalSign}&n=1`);

  const again = await register().register(request('payment-1', [10000, 2550]));
  t.same(again, first, 'the same key gives the same document back, nothing new is issued');

  const second = await register().register(request('payment-2', [500]));
  t.equal(second.fdNumber, 2, 'ФД numbers increase without gaps');
  t.equal(second.numberInShift, 2);

  clock = fixedClock('2026-11-21T06:00:00Z');
  const nextDay = await register().register(request('payment-3', [700]));
  t.match(nextDay, { fdNumber: 3, shiftNumber: 2, numberInShift: 1 }, 'a new Moscow day opens a new shift');

  const concurrent = await Promise.all(Array.from({ length: 10 }, () => register().register(request('payment-4', [900]))));
  t.equal(new Set(concurrent.map((r) => r.fdNumber)).size, 1, 'ten concurrent requests with one key get one document');
  const fifth = await register().register(request('payment-5', [100]));
  t.equal(fifth.fdNumber, concurrent[0]!.fdNumber + 1, 'a lost race gives its number back: still no gap');
  const documents = await db.selectFrom('sandbox_fiscal_documents').select(['fd_number']).orderBy('fd_number').execute();
  t.same(documents.map((d) => d.fd_number), [1, 2, 3, 4, 5]);

  await t.rejects(register().register({ ...request('payment-6', [100, 200]), totalKopecks: 250 }), { name: 'FiscalRegisterRefusal', message: /differs/ }, 'lines that do not add up are refused');
  t.equal((await db.selectFrom('sandbox_fiscal_documents').select('id').where('external_id', '=', 'payment-6').execute()).length, 0);
});
