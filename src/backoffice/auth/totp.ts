import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { HOTP, Secret, TOTP } from 'otpauth';

// Time-based one-time passwords (RFC 6238 over RFC 4226) as authenticator apps
// compute them: HMAC-SHA1, 6 digits, 30-second steps, through the otpauth
// library (tested here against the RFCs' vectors).

export const STEP_SECONDS = 30;
const ISSUER_DIGITS = 6;

export type Algorithm = 'SHA1' | 'SHA256' | 'SHA512';

function secretOf(key: Buffer): Secret {
  return new Secret({ buffer: new Uint8Array(key).buffer });
}

/** RFC 4226 HOTP: the code for one counter value. */
export function hotp(key: Buffer, counter: number, digits = ISSUER_DIGITS, algorithm: Algorithm = 'SHA1'): string {
  return new HOTP({ secret: secretOf(key), digits, algorithm }).generate({ counter });
}

/** The 30-second step an instant falls in. */
export function stepAt(timeMs: number): number {
  return Math.floor(timeMs / 1000 / STEP_SECONDS);
}

export function totp(key: Buffer, timeMs: number, digits = ISSUER_DIGITS, algorithm: Algorithm = 'SHA1'): string {
  return new TOTP({ secret: secretOf(key), digits, algorithm, period: STEP_SECONDS }).generate({ timestamp: timeMs });
}

/**
 * The step a code belongs to, allowing one step of clock drift either way, or
 * null. Steps at or before `lastStep` are refused, so a code works only once.
 */
export function matchingStep(key: Buffer, code: string, timeMs: number, lastStep: number | null): number | null {
  const now = stepAt(timeMs);
  const given = Buffer.from(code);
  for (const step of [now - 1, now, now + 1]) {
    if (lastStep !== null && step <= lastStep) continue;
    const expected = Buffer.from(hotp(key, step));
    if (expected.length === given.length && timingSafeEqual(expected, given)) return step;
  }
  return null;
}

export function newTotpKey(): Buffer {
  return randomBytes(20);
}

/** The secret as apps take it typed in by hand: RFC 4648 base32. */
export function base32Key(key: Buffer): string {
  return secretOf(key).base32;
}

/** The otpauth:// address apps read (typed in by hand or from a QR code). */
export function otpauthUri(key: Buffer, account: string, issuer: string): string {
  return new TOTP({ issuer, label: account, secret: secretOf(key), algorithm: 'SHA1', digits: ISSUER_DIGITS, period: STEP_SECONDS }).toString();
}

// The key must be readable again to compute codes, so it cannot be hashed; it is
// sealed with a key derived from the server secret, so a database dump alone does
// not give away anyone's second factor.
function sealingKey(serverSecret: string): Buffer {
  return createHmac('sha256', serverSecret).update('staff-totp-secret').digest();
}

export function sealKey(key: Buffer, serverSecret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(serverSecret), iv);
  const sealed = Buffer.concat([cipher.update(key), cipher.final()]);
  return [iv, cipher.getAuthTag(), sealed].map((part) => part.toString('base64url')).join('.');
}

export function openKey(sealed: string, serverSecret: string): Buffer {
  const [iv, tag, data] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
  if (!iv || !tag || !data) throw new Error('malformed sealed key');
  const decipher = createDecipheriv('aes-256-gcm', sealingKey(serverSecret), iv);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(data), decipher.final()]);
}
