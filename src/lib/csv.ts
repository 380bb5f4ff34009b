// CSV (RFC 4180) for spreadsheets: comma-separated, CRLF line ends, a UTF-8 BOM
// so Excel reads Cyrillic. Cells that a spreadsheet would run as a formula get a
// leading apostrophe (CSV injection).

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(cells: (string | number | null | undefined)[]): string {
  return cells.map(csvCell).join(',') + '\r\n';
}

export const CSV_BOM = '\uFEFF';
