// QR codes: the ЕПД's payment codes, the receipt's tax-service code, the СБП sandbox page,
// the TOTP enrolment. qrcode is loaded with the first code: most processes draw none.

type QrCodeModule = typeof import('qrcode');
let loaded: Promise<QrCodeModule> | undefined;

function qrcode(): Promise<QrCodeModule> {
  // A CommonJS package: its exports arrive as the default export.
  loaded ??= import('qrcode').then((module) => (module as unknown as { default?: QrCodeModule }).default ?? module);
  return loaded;
}

/** The code as an SVG drawing, error correction level M. */
export async function qrSvg(text: string, margin = 2): Promise<string> {
  return (await qrcode()).toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin });
}

/** The code's dark and light modules, for drawing it as vector squares (PDF). */
export async function qrModules(text: string): Promise<{ size: number; get(row: number, col: number): number }> {
  return (await qrcode()).create(text, { errorCorrectionLevel: 'M' }).modules;
}
