import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { contentDisposition } from './rules.js';
import type { DocumentFile } from './service.js';

/**
 * Sends a scan to someone allowed to see it (the caller has checked who asks):
 * never cached, with the type decided at upload and no sniffing by the browser.
 * A scan removed by the retention job says so instead.
 */
export async function sendDocumentFile(request: FastifyRequest, reply: FastifyReply, document: DocumentFile, dir: string) {
  reply.header('Cache-Control', 'no-store');
  const file = path.join(dir, document.storedName);
  const exists = document.deletedAt === null && (await stat(file).catch(() => null)) !== null;
  if (!exists) {
    reply.code(410);
    return reply.viewAsync('identity/document-deleted', {
      layout: request.url.startsWith('/admin') ? '/layouts/backoffice' : '/layouts/resident',
      title: 'Файл удалён',
      document,
    });
  }
  if (document.mime === 'application/pdf') {
    // Chromium's built-in PDF viewer is refused by the site-wide `object-src 'none'`.
    reply.header('Content-Security-Policy', "default-src 'none'; object-src 'self'; frame-ancestors 'none'");
  }
  return reply
    .type(document.mime)
    .header('X-Content-Type-Options', 'nosniff')
    .header('Content-Disposition', contentDisposition(document.id, document.mime, document.originalName))
    .header('Content-Length', document.size)
    .send(createReadStream(file));
}
