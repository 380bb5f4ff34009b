import { linkify } from '../lib/format.js';

// Every email goes as plain text and as simple HTML (one paragraph per block,
// links clickable), signed the same way. Features' messages.ts build theirs here.

export type EmailContent = { subject: string; text: string; html: string };

export function emailContent(subject: string, paragraphs: string[]): EmailContent {
  const html =
    '<!doctype html><html lang="ru"><body style="font-family: Arial, sans-serif; line-height: 1.5">' +
    paragraphs.map((p) => `<p>${linkify(p).replace(/\n/g, '<br>')}</p>`).join('') +
    '<p style="color: #555">Личный кабинет ЖКУ</p></body></html>';
  return { subject, text: [...paragraphs, '—\nЛичный кабинет ЖКУ'].join('\n\n'), html };
}
