// Parsing numbers people type: a comma or a dot, a bounded number of decimals.

/** The result of reading a typed value: the value, or the Russian message for the field. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };


/** "1 234,56" or "1234.5" (rubles, up to 2 decimals) → kopecks. */
export function parseRubles(text: string, { allowZero = false } = {}): Parsed<number> {
  const cleaned = text.replace(/[\s\u00a0]/g, '').replace(',', '.');
  if (cleaned === '') return { ok: false, error: 'Введите сумму в рублях' };
  if (!/^\d{1,9}(\.\d{1,2})?$/.test(cleaned)) return { ok: false, error: 'Введите сумму в рублях, например 65,77' };
  const [whole, fraction = ''] = cleaned.split('.');
  const kopecks = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
  if (kopecks === 0 && !allowZero) return { ok: false, error: 'Сумма должна быть больше нуля' };
  return { ok: true, value: kopecks };
}

/** Kopecks as a form shows them back for editing: 1234,56 (what parseRubles reads). */
export function rublesInput(kopecks: number): string {
  return (kopecks / 100).toFixed(2).replace('.', ',');
}
