export const MAX_ATTEMPTS = 5;
export const BACKOFF_BASE_MS = 1000;

/** Exponential backoff: 1 s, 2 s, 4 s, 8 s … after the 1st, 2nd, 3rd … failure. */
export function backoffDelayMs(failedAttempts: number, baseMs = BACKOFF_BASE_MS): number {
  return baseMs * 2 ** Math.max(0, failedAttempts - 1);
}
