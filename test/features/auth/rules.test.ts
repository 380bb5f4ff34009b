import t from 'tap';
import { signInCodeSms, phoneChangeSms, confirmationEmail, alreadyRegisteredEmail, lockedEmail, resetEmail, passwordChangedEmail, emailChangeEmail, emailChangeNoticeEmail, signInCodeEmail } from '../../../src/features/auth/messages.js';
import { describeDevice } from '../../../src/features/auth/rules.js';
import { codeMatches, hashCode, normaliseCode } from '../../../src/security/code-rules.js';
import { commonPasswordCount, isCommonPassword, passwordProblem } from '../../../src/security/passwords.js';
import { maskEmail, maskPhone, normaliseEmail, normalisePhone } from '../../../src/security/contacts.js';
import { safeNext } from '../../../src/security/redirects.js';

t.test('the password policy', async (t) => {
  t.equal(passwordProblem('', 'ivan@mail.ru'), 'Введите пароль');
  t.match(passwordProblem('short-pw1', 'ivan@mail.ru'), /не короче 10 символов/, '9 characters are too few');
  t.equal(passwordProblem('лёд-и-пламя', 'ivan@mail.ru'), null, '10 Cyrillic characters are counted as characters, not bytes');
  t.match(passwordProblem('Ivan.Petrov@Mail.ru', 'ivan.petrov@mail.ru'), /не должен совпадать с адресом/, 'the email itself, any case');
  t.match(passwordProblem('ivan.petrov.1990', 'ivan.petrov.1990@mail.ru'), /не должен совпадать/, 'the local part of the address');
  t.match(passwordProblem('qwertyuiop', 'ivan@mail.ru'), /слишком распространён/);
  t.match(passwordProblem('Password123', 'ivan@mail.ru'), /слишком распространён/, 'common passwords in any case');
  t.match(passwordProblem('x'.repeat(257), 'ivan@mail.ru'), /не длиннее/);
  t.equal(passwordProblem('Соседи-по-лестнице-7', 'ivan@mail.ru'), null);
});

t.test('the common password list ships at least 10 000 real passwords', async (t) => {
  t.ok(commonPasswordCount() >= 10_000, `${commonPasswordCount()} entries`);
  for (const password of ['123456', 'password', 'qwerty', 'iloveyou', '1q2w3e4r5t', 'basketball']) t.ok(isCommonPassword(password), password);
  t.notOk(isCommonPassword('Соседи-по-лестнице-7'));
});

t.test('emails and phones are normalised', async (t) => {
  t.equal(normaliseEmail('  Ivan@Mail.RU '), 'ivan@mail.ru');
  t.equal(normaliseEmail('ivan@'), null);
  t.equal(normaliseEmail('no at sign'), null);
  t.equal(normalisePhone('8 (916) 123-45-67'), '+79161234567', 'Russian trunk prefix 8');
  t.equal(normalisePhone('+7 916 123 45 67'), '+79161234567');
  t.equal(normalisePhone('9161234567'), '+79161234567', 'no country code: Russia');
  t.equal(normalisePhone('+44 20 7946 0958'), '+442079460958', 'a foreign number keeps its country');
  t.equal(normalisePhone('12345'), null);
  t.equal(normalisePhone('телефон'), null);
  t.equal(maskPhone('+79161234567'), '+7 916 ***-**-67');
  t.equal(maskEmail('ivan.petrov@mail.ru'), 'iv***@mail.ru');
});

t.test('after sign-in only a local path is followed', async (t) => {
  t.equal(safeNext('/bills?period=2026-10-01'), '/bills?period=2026-10-01');
  for (const bad of ['//evil.example/', '/\\evil.example', 'https://evil.example/', 'bills', '', undefined, 42]) t.equal(safeNext(bad), '/', String(bad));
  // Browsers drop tabs and line breaks inside a URL and treat a backslash as "/": each of these would leave the site.
  for (const bad of ['/\t/evil.example', '/\n/evil.example', '/\r\n/evil.example', '/\u0000/x']) {
    t.equal(safeNext(bad), '/', JSON.stringify(bad));
  }
});

t.test('devices are described briefly', async (t) => {
  t.equal(describeDevice('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36'), 'Chrome, Windows');
  t.equal(describeDevice('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1'), 'Safari, iOS');
  t.equal(describeDevice(null), 'Неизвестное устройство');
});

t.test('codes: what a person types, and constant-time comparison of the stored HMAC', async (t) => {
  t.equal(normaliseCode(' 123 456 '), '123456');
  t.equal(normaliseCode('12345'), null);
  t.equal(normaliseCode('12345a'), null);
  const stored = hashCode('012345', 'secret');
  t.not(stored, '012345', 'the code itself is never stored');
  t.ok(codeMatches('012345', stored, 'secret'));
  t.notOk(codeMatches('012346', stored, 'secret'));
  t.notOk(codeMatches('012345', stored, 'another-secret'));
});

t.test('every SMS fits one Cyrillic SMS (under 70 characters)', async (t) => {
  for (const text of [signInCodeSms('123456'), phoneChangeSms('123456')]) {
    t.ok(text.length < 70, `${text.length}: ${text}`);
    t.match(text, /123456/);
  }
});

t.test('every email has a subject, plain text and HTML with the link', async (t) => {
  const link = 'http://localhost:3000/register/confirm?token=abc&x=<b>';
  const emails = [
    confirmationEmail(link), resetEmail(link), emailChangeEmail(link), alreadyRegisteredEmail('http://localhost:3000'),
    lockedEmail('http://localhost:3000'), passwordChangedEmail('http://localhost:3000'), emailChangeNoticeEmail('new@mail.ru', 'http://localhost:3000'),
    signInCodeEmail('123456'),
  ];
  for (const email of emails) {
    t.ok(email.subject.length > 0);
    t.match(email.html, /^<!doctype html>/);
    t.notMatch(email.html, /<b>/, 'text is escaped in HTML');
  }
  t.match(confirmationEmail(link).text, link);
  t.match(confirmationEmail(link).html, 'href="http://localhost:3000/register/confirm?token=abc&amp;x=&lt;b&gt;"');
});
