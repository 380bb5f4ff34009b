// Rules for connecting «Оплата ЖКХ» (DOMAIN.md: the payer code is opaque, exactly 10 digits).

/** "77 0000-0001" → "7700000001"; anything that is not then exactly 10 digits → null. */
export function normalisePayerCode(input: string): string | null {
  const code = input.replace(/[\s-]+/g, '');
  return /^\d{10}$/.test(code) ? code : null;
}

/** Flat numbers are compared without case and surrounding spaces: "12а" matches "12А ". */
export function normaliseFlat(input: string): string {
  return input.trim().replace(/\s+/g, '').toLowerCase();
}
