import type { Limit } from '../../security/rate-limits.js';

// Rules for connecting «Оплата ЖКХ» (DOMAIN.md: the payer code is opaque, exactly 10 digits).

/**
 * A request is checked against the registry when sent, so the answer says whether
 * the code and flat exist: the checks are limited, per resident and per address,
 * so the registry cannot be walked through.
 */
export const REGISTRY_CHECK_LIMITS = {
  perResident: { name: 'link-check:resident', max: 10, windowMs: 3600_000 },
  perIp: { name: 'link-check:ip', max: 30, windowMs: 3600_000 },
} satisfies Record<string, Limit>;

/** "77 0000-0001" → "7700000001"; anything that is not then exactly 10 digits → null. */
export function normalisePayerCode(input: string): string | null {
  const code = input.replace(/[\s-]+/g, '');
  return /^\d{10}$/.test(code) ? code : null;
}

// Latin letters typed for their Cyrillic twins on the paper bill ("12a" for «12а»).
const LATIN_TWINS: Record<string, string> = { A: 'А', B: 'В', C: 'С', E: 'Е', H: 'Н', K: 'К', M: 'М', O: 'О', P: 'Р', T: 'Т', X: 'Х', Y: 'У' };

/**
 * «кв. 12», «12а», «12 А», «Квартира № 12a» → «12А», the form the registry keeps;
 * anything that is not then a flat number (digits, an optional letter, or a
 * second number after «/» or «-») → null.
 */
export function normaliseFlat(input: string): string | null {
  const flat = input
    .trim()
    .replace(/^(?:квартира|кв)\.?\s*(?:№\s*)?/i, '')
    .replace(/^№\s*/, '')
    .replace(/\s+/g, '')
    .toUpperCase()
    .replace(/[A-Z]/g, (letter) => LATIN_TWINS[letter] ?? letter);
  return /^\d{1,5}(?:[А-ЯЁ]|[/-]\d{1,3})?$/.test(flat) ? flat : null;
}

/** Two spellings of a flat number name the same flat ("кв. 1" and "1"); unreadable ones match nothing. */
export function sameFlat(a: string, b: string): boolean {
  const left = normaliseFlat(a);
  return left !== null && left === normaliseFlat(b);
}
