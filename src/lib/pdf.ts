import { createRequire } from 'node:module';
import { qrModules } from './qr.js';

// PDFs of our documents (the ЕПД, the payment receipt): A4, Cyrillic through
// DejaVu Sans (the built-in PDF fonts have no Cyrillic), QR codes drawn as vector
// squares. Fonts are registered as 'regular' and 'bold'.

const require = createRequire(import.meta.url);
const REGULAR = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
const BOLD = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf');

export type PdfWriter = { doc: PDFKit.PDFDocument; finish(): Promise<Buffer> };

/**
 * A new A4 document; draw on `doc`, then `finish()` gives the bytes. pdfkit is loaded on
 * the first document, so that a process that never makes one does not load it.
 */
export async function startPdf(title: string): Promise<PdfWriter> {
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({ size: 'A4', margin: 40, info: { Title: title, Author: 'Личный кабинет ЖКУ' } });
  doc.registerFont('regular', REGULAR);
  doc.registerFont('bold', BOLD);
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  return {
    doc,
    finish() {
      doc.end();
      return done;
    },
  };
}

export async function drawQr(doc: PDFKit.PDFDocument, text: string, x: number, y: number, size: number): Promise<void> {
  const modules = await qrModules(text);
  const count = modules.size;
  const cell = size / count;
  for (let row = 0; row < count; row += 1) {
    for (let col = 0; col < count; col += 1) {
      if (modules.get(row, col)) doc.rect(x + col * cell, y + row * cell, cell, cell);
    }
  }
  doc.fill('#000000');
}
