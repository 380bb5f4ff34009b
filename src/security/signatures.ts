import { createHmac, timingSafeEqual } from 'node:crypto';

// HMAC-SHA256 signatures of webhook bodies (the acquirer's notifications), hex.

export function signBody(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body, 'utf8').digest('hex');
}

/** Constant-time: a wrong signature takes as long to refuse whatever its prefix. */
export function signatureMatches(secret: string, body: string, given: string | undefined): boolean {
  if (given === undefined || !/^[0-9a-f]{64}$/.test(given)) return false;
  return timingSafeEqual(Buffer.from(signBody(secret, body), 'hex'), Buffer.from(given, 'hex'));
}
