import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { contentDisposition } from './rules.js';
import type { DocumentFile } from './service.js';

/** The bytes of an uploaded file, or null once they were deleted. */
export async function uploadedFileBytes(db: Kysely<Database>, fileId: number): Promise<Buffer | null> {
  const row = await db.selectFrom('uploaded_files').select('bytes').where('id', '=', fileId).executeTakeFirst();
  // PGlite hands bytea over as a plain Uint8Array; Fastify sends only a Buffer as bytes.
  return row ? Buffer.from(row.bytes.buffer, row.bytes.byteOffset, row.bytes.byteLength) : null;
}

/**
 * Sends a scan to someone allowed to see it (the caller has checked who asks):
 * never cached, with the type decided at upload and no sniffing by the browser.
 * A scan removed by the retention job says so instead.
 */
export async function sendDocumentFile(request: FastifyRequest, reply: FastifyReply, document: DocumentFile) {
  reply.header('Cache-Control', 'no-store');
  const bytes = document.deletedAt === null && document.fileId !== null ? await uploadedFileBytes(request.server.db, document.fileId) : null;
  if (!bytes) {
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
    .header('Content-Length', bytes.length)
    .send(bytes);
}
