import t from 'tap';
import { fiscalDateTime, fiscalQr, fiscalSign, requestProblems } from '../../../src/features/fiscal-register/rules.js';
import type { FiscalReceiptRequest } from '../../../src/features/fiscal-register/register.js';

t.test('the QR string is the standard t=…&s=…&fn=…&i=…&fp=…&n=1 in Moscow time', async (t) => {
  const qr = fiscalQr({
    issuedAt: new Date('2026-11-20T21:05:30Z'),
    totalKopecks: 1234507,
    fnNumber: '9999078900012345',
    fdNumber: 42,
    fiscalSign: '0123456789',
  });
  t.equal(qr, 't=20261121T0005&s=12345.07&fn=9999078900012345&i=42&fp=0123456789&n=1', 'the Moscow date moves past midnight; kopecks keep two digits');
  t.equal(fiscalQr({ issuedAt: new Date('2026-01-01T09:00:00Z'), totalKopecks: 5, fnNumber: '1', fdNumber: 1, fiscalSign: '1' }).split('&')[1], 's=0.05');
  t.equal(fiscalDateTime(new Date('2026-03-05T06:07:00Z')), '20260305T0907');
});

t.test('the fiscal sign is ten digits, stable for the same document and different for another', async (t) => {
  const data = { fnNumber: '9999078900012345', fdNumber: 7, issuedAt: new Date('2026-11-20T09:00:00Z'), totalKopecks: 100 };
  const sign = fiscalSign('key', data);
  t.match(sign, /^\d{10}$/);
  t.equal(fiscalSign('key', data), sign);
  t.not(fiscalSign('key', { ...data, fdNumber: 8 }), sign);
  t.not(fiscalSign('other key', data), sign);
});

t.test('a request whose lines do not add up, or without a supplier phone, is refused', async (t) => {
  const good: FiscalReceiptRequest = {
    externalId: 'payment-1',
    operation: 'income',
    totalKopecks: 300,
    customerContact: 'a@example.test',
    paidAt: new Date(),
    items: [100, 200].map((amountKopecks) => ({
      name: 'Холодная вода',
      amountKopecks,
      quantity: 1,
      paymentMethod: 'full_payment',
      paymentObject: 'service',
      vat: 'none',
      agent: 'payment_agent',
      supplier: { name: 'ГБУ', inn: '7710012349', phone: '+7 495 000-00-00' },
    })),
  };
  t.same(requestProblems(good), []);
  t.match(requestProblems({ ...good, totalKopecks: 301 }), [/differs/]);
  t.match(requestProblems({ ...good, items: [] , totalKopecks: 0 }), [/no items/]);
  t.match(requestProblems({ ...good, items: [{ ...good.items[0]!, amountKopecks: 300, supplier: { name: 'ГБУ', inn: '77', phone: ' ' } }] }), [/ИНН/, /phone/]);
  t.match(requestProblems({ ...good, customerContact: '' }), [/contact/]);
});
