import t from 'tap';
import { chargeFor, dueDateFor, inForce, isValidCorrespondentAccount, isValidInn, isValidSettlementAccount } from '../../../src/features/billing/rules.js';
import { validatePayee } from '../../../src/backoffice/tariffs/payee-form.js';

const DUE_DAYS = [{ validFrom: '1970-01-01', value: 10 }, { validFrom: '2026-03-01', value: 15 }];

t.test('a bill is due on the 15th of the next month since March 2026, the 10th before', async (t) => {
  t.equal(dueDateFor('2026-10-01', DUE_DAYS), '2026-11-15');
  t.equal(dueDateFor('2026-02-01', DUE_DAYS), '2026-03-15');
  t.equal(dueDateFor('2026-01-01', DUE_DAYS), '2026-02-10');
  t.equal(dueDateFor('2025-12-01', DUE_DAYS), '2026-01-10');
  t.throws(() => dueDateFor('1960-01-01', DUE_DAYS));
});

t.test('the dated value in force is the latest that started on or before the date', async (t) => {
  const caps = [{ validFrom: '2027-01-01', value: null }, { validFrom: '2022-02-28', value: 9.5 }];
  t.equal(inForce(caps, '2026-12-31'), 9.5);
  t.equal(inForce(caps, '2027-01-01'), null);
  t.equal(inForce(caps, '2022-02-27'), undefined);
});

t.test('a charge is quantity × tariff rounded half-up to a kopeck', async (t) => {
  t.equal(chargeFor(6.935, 6577), 45611); // 456,11495 ₽ → 456,11
  t.equal(chargeFor(54.3, 3412), 185272); // 1 852,716 ₽ → 1 852,72
  t.equal(chargeFor(0.5, 1), 1); // half a kopeck rounds up
  t.equal(chargeFor(0, 31250), 0);
});

t.test('an ИНН is valid only with its check digit', async (t) => {
  // Real organisations: ПАО Сбербанк, АО «Мосэнергосбыт», Фонд капитального ремонта Москвы.
  for (const inn of ['7707083893', '7736520080', '7701090559']) t.ok(isValidInn(inn), inn);
  t.notOk(isValidInn('7707083894'), 'a wrong check digit');
  t.notOk(isValidInn('770708389'), 'nine digits');
  t.notOk(isValidInn('77070838931'), 'eleven digits');
  t.notOk(isValidInn('77070838a3'), 'a letter');
  t.notOk(isValidInn(''), 'empty');
  // Sum mod 11 equal to 10 gives check digit 0.
  const tenRemainder = Array.from({ length: 1000 }, (_, i) => `7700${String(i).padStart(5, '0')}0`).find(isValidInn);
  t.ok(tenRemainder, 'some ИНН ends in 0');
});

t.test('bank accounts are checked against the БИК by their control key', async (t) => {
  // Sberbank's Moscow БИК and its real correspondent account.
  t.ok(isValidCorrespondentAccount('044525225', '30101810400000000225'));
  t.notOk(isValidCorrespondentAccount('044525225', '30101810400000000226'), 'one digit changed');
  t.notOk(isValidCorrespondentAccount('044525225', '40702810380000001234'), 'not a correspondent account');
  t.ok(isValidSettlementAccount('044525225', '40702810380000001234'));
  t.notOk(isValidSettlementAccount('044525225', '40702810380000001243'), 'two digits swapped');
  t.notOk(isValidSettlementAccount('044525226', '40702810380000001234'), 'another bank');
  t.notOk(isValidSettlementAccount('04452522', '40702810380000001234'), 'a short БИК');
});

t.test('a new payee: digits may be pasted with spaces; every field answers in Russian', async (t) => {
  const good = validatePayee({
    name: '  ГБУ «Жилищник   района Арбат» ', inn: '7707083893', kpp: '770401001', bank_name: 'ПАО Сбербанк', bic: '044 525 225',
    account: '4070 2810 3800 0000 1234', corr_account: '30101810400000000225',
  });
  t.same(good, { ok: true, payee: { name: 'ГБУ «Жилищник района Арбат»', inn: '7707083893', kpp: '770401001', bankName: 'ПАО Сбербанк', bic: '044525225', account: '40702810380000001234', corrAccount: '30101810400000000225' } });
  const bad = validatePayee({ name: ' ', inn: '7707083894', kpp: '77', bank_name: '', bic: '044525225', account: '40702810380000001243', corr_account: '40101810400000000225' });
  t.same(bad, {
    ok: false,
    errors: {
      name: 'Введите наименование получателя',
      inn: 'ИНН с ошибкой: не сходится контрольная цифра',
      kpp: 'КПП — 9 цифр',
      bank_name: 'Введите название банка',
      account: 'Расчётный счёт не сходится с БИК: проверьте оба номера',
      corr_account: 'Корреспондентский счёт начинается с 30101',
    },
  });
});
