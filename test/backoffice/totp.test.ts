import t from 'tap';
import { base32Key, hotp, matchingStep, newTotpKey, openKey, otpauthUri, sealKey, stepAt, totp } from '../../src/backoffice/auth/totp.js';

// RFC 6238 appendix B: the same 8-digit codes for SHA-1, SHA-256 and SHA-512 keys.
const SHA1_KEY = Buffer.from('12345678901234567890');
const SHA256_KEY = Buffer.from('12345678901234567890123456789012');
const SHA512_KEY = Buffer.from('1234567890123456789012345678901234567890123456789012345678901234');
const VECTORS: [number, string, string, string][] = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

t.test('RFC 6238 test vectors', async (t) => {
  for (const [seconds, sha1, sha256, sha512] of VECTORS) {
    t.equal(totp(SHA1_KEY, seconds * 1000, 8, 'SHA1'), sha1, `SHA-1 at ${seconds}`);
    t.equal(totp(SHA256_KEY, seconds * 1000, 8, 'SHA256'), sha256, `SHA-256 at ${seconds}`);
    t.equal(totp(SHA512_KEY, seconds * 1000, 8, 'SHA512'), sha512, `SHA-512 at ${seconds}`);
  }
});

t.test('RFC 4226 HOTP vectors (6 digits)', async (t) => {
  const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
  expected.forEach((code, counter) => t.equal(hotp(SHA1_KEY, counter), code, `counter ${counter}`));
});

t.test('the key apps take by hand is RFC 4648 base32', async (t) => {
  t.equal(base32Key(Buffer.from('foobar')), 'MZXW6YTBOI');
  t.equal(base32Key(SHA1_KEY), 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
});

t.test('a code matches within one step of drift, and only once', async (t) => {
  const key = newTotpKey();
  const now = 1_800_000_000_000;
  const step = stepAt(now);
  t.equal(matchingStep(key, totp(key, now), now, null), step);
  t.equal(matchingStep(key, totp(key, now - 30_000), now, null), step - 1, 'the previous step still works');
  t.equal(matchingStep(key, totp(key, now + 30_000), now, null), step + 1, 'the next step works');
  t.equal(matchingStep(key, totp(key, now - 90_000), now, null), null, 'older codes do not');
  t.equal(matchingStep(key, totp(key, now), now, step), null, 'a code already used is refused');
  t.equal(matchingStep(key, '12345', now, null), null, 'a short code never matches');
});

t.test('sealed keys open only with the same server secret', async (t) => {
  const key = newTotpKey();
  const sealed = sealKey(key, 'server-secret-one-0123456789abcdef');
  t.notMatch(sealed, base32Key(key));
  t.same(openKey(sealed, 'server-secret-one-0123456789abcdef'), key);
  t.throws(() => openKey(sealed, 'server-secret-two-0123456789abcdef'));
});

t.test('the otpauth address carries the secret and the issuer', async (t) => {
  const uri = otpauthUri(SHA1_KEY, 'admin@demo.local', 'ЖКУ');
  const parsed = new URL(uri);
  t.equal(parsed.protocol, 'otpauth:');
  t.equal(parsed.host, 'totp');
  t.equal(decodeURIComponent(parsed.pathname), '/ЖКУ:admin@demo.local', 'label: issuer and account');
  t.equal(parsed.searchParams.get('secret'), 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  t.equal(parsed.searchParams.get('issuer'), 'ЖКУ');
  t.equal(parsed.searchParams.get('digits'), '6');
  t.equal(parsed.searchParams.get('period'), '30');
});
