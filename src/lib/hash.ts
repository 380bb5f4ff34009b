import { createHash } from 'node:crypto';

/** SHA-256 as lower-case hex: for high-entropy tokens (never for passwords or short codes). */
export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
