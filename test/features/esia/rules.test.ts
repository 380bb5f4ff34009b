import t from 'tap';
import { confirmedIdentity, maskPassport, maskSnils, missingForConfirmation, personFromClaims } from '../../../src/features/esia/rules.js';
import { SANDBOX_PERSONS, personClaims } from '../../../src/features/esia/sandbox/persons.js';

t.test('СНИЛС and passport are kept only masked', async (t) => {
  t.equal(maskSnils('112-233-445 95'), '***-***-445 95');
  t.equal(maskSnils('11223344595'), '***-***-445 95');
  t.equal(maskSnils('112-233-445'), null, 'too short');
  t.equal(maskSnils(11223344595), null, 'not a string');
  t.equal(maskPassport({ type: 'RF_PASSPORT', series: '4510', number: '123456' }), '45** ***456');
  t.equal(maskPassport({ type: 'FOREIGN_PASSPORT', series: '4510', number: '123456' }), null);
  t.equal(maskPassport({ type: 'RF_PASSPORT', series: '45 10', number: '123456' }), null);
  t.equal(maskPassport(null), null);
});

t.test('the sandbox persons have СНИЛС with valid check digits', async (t) => {
  for (const person of SANDBOX_PERSONS.filter((p) => p.snils)) {
    const digits = person.snils!.replace(/\D/g, '');
    const sum = [...digits.slice(0, 9)].reduce((acc, d, i) => acc + Number(d) * (9 - i), 0);
    const check = sum < 100 ? sum : sum === 100 || sum === 101 ? 0 : sum % 101 === 100 ? 0 : sum % 101;
    t.equal(digits.slice(9), String(check).padStart(2, '0'), person.lastName);
  }
});

t.test('reading the UserInfo answer', async (t) => {
  const confirmed = personFromClaims(personClaims(SANDBOX_PERSONS[0]!));
  t.same(confirmed, {
    subject: '1000000101', trustLevel: 'confirmed', lastName: 'Иванов', firstName: 'Иван', middleName: 'Иванович', birthDate: '1985-04-12',
    email: 'ivan.ivanov@esia-sandbox.test', phone: '+79161112233', snilsMasked: '***-***-445 95', passportMasked: '45** ***456',
  });
  t.ok(confirmedIdentity(confirmed!));

  t.equal(personFromClaims({ trust_level: 'confirmed' }), null, 'no subject');
  t.equal(personFromClaims({ sub: '1', trust_level: 'gold' }), null, 'an unknown level');

  const unverified = personFromClaims({ sub: '1', trust_level: 'confirmed', email: 'a@b.ru', email_verified: false, phone_number: '+79161112233' });
  t.equal(unverified?.email, null, 'an address ЕСИА has not verified is not taken');
  t.equal(unverified?.phone, null, 'nor a number');

  const odd = personFromClaims({ sub: '1', trust_level: 'confirmed', family_name: 'Ива\u0000нов', given_name: 'Иван', birthdate: '1985-02-30' });
  t.equal(odd?.lastName, null, 'control characters refused');
  t.equal(odd?.birthDate, null, 'an impossible date refused');
  t.equal(confirmedIdentity(odd!), null, 'without a name and date of birth nothing is confirmed');
});

t.test('only the confirmed level confirms, and the others are told what is missing', async (t) => {
  const [, , standard, simplified] = SANDBOX_PERSONS.map((p) => personFromClaims(personClaims(p))!);
  t.equal(confirmedIdentity(standard!), null);
  t.equal(confirmedIdentity(simplified!), null);
  t.match(missingForConfirmation('simplified'), 'упрощённая. В ней нет проверенных паспортных данных и СНИЛС');
  t.match(missingForConfirmation('standard'), 'стандартная');
  t.match(missingForConfirmation('standard'), 'загрузите документы в разделе «Подтверждение личности»');
});
