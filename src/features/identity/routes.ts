import multipart from '@fastify/multipart';
import { mkdir } from 'node:fs/promises';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { renderError } from '../../plugins/errors.js';
import { parseId } from '../../security/input.js';
import { sendDocumentFile } from './files.js';
import {
  DOCUMENT_KINDS,
  MAX_FILE_BYTES,
  MAX_FILES,
  canUpload,
  consentText,
  isDocumentKind,
} from './rules.js';
import { findDocument, latestSubmission, submitDocuments, uploadDir } from './service.js';
import { FILE_FIELD, receiveUpload, removeFiles, removePartialUploads } from './upload.js';
import { signedInResident } from '../../plugins/auth.js';

type UploadErrors = Partial<Record<'kind' | 'documents' | 'consent', string>>;

/** «Подтверждение личности»: the resident's status, what was sent, and the upload form. Behind requireResident. */
const identity: FastifyPluginAsync = async (app) => {
  const dir = uploadDir(app.config);
  await mkdir(dir, { recursive: true });
  app.addHook('onReady', async () => {
    await removePartialUploads(dir);
  });

  // Multipart only here, with every limit set: the rest of the app never parses uploads.
  await app.register(multipart, {
    preservePath: true, // keep "../" in file names visible, so such names are refused rather than trimmed
    throwFileSizeLimit: false, // a file over the limit is reported after the whole body was read
    limits: {
      fileSize: MAX_FILE_BYTES,
      files: MAX_FILES,
      fields: 5,
      parts: MAX_FILES + 5,
      fieldSize: 1024,
      fieldNameSize: 100,
      headerPairs: 20,
    },
  });

  app.get('/identity', (request, reply) => showPage(request, reply));

  app.post('/identity', { config: { rateLimit: { max: 30, timeWindow: '10 minutes' } } }, async (request, reply) => {
    const resident = signedInResident(request);
    if (!canUpload(resident.identityStatus)) return reply.redirect('/identity', 303);
    const received = await receiveUpload(request, dir);
    try {
      const errors: UploadErrors = {};
      if (!isDocumentKind(received.kind)) errors.kind = 'Выберите вид документа.';
      if (received.fileError) errors.documents = received.fileError;
      else if (received.files.length === 0) errors.documents = 'Выберите файл документа: скан или фотографию в формате JPEG, PNG или PDF.';
      if (!received.consent) errors.consent = 'Отметьте согласие на обработку персональных данных: без него мы не можем проверить документы.';
      if (!isDocumentKind(received.kind) || Object.keys(errors).length > 0) {
        reply.code(received.tooLarge ? 413 : 422);
        return showPage(request, reply, { errors, values: { kind: received.kind, consent: received.consent } });
      }
      await submitDocuments(app.db, {
        residentId: resident.id,
        kind: received.kind,
        consentText: consentText(app.config.identityRetentionDays),
        now: app.clock.now(),
        files: received.files,
        uploadDir: dir,
      });
      return reply.redirect('/identity', 303);
    } finally {
      await removeFiles(received.tempPaths);
    }
  });

  app.get<{ Params: { id: string } }>('/identity/documents/:id', async (request, reply) => {
    const id = parseId(request.params.id);
    const document = id === null ? null : await findDocument(app.db, id, { residentId: signedInResident(request).id });
    if (!document) return renderError(request, reply, 404);
    return sendDocumentFile(request, reply, document, dir);
  });

  async function showPage(
    request: FastifyRequest,
    reply: FastifyReply,
    form: { errors?: UploadErrors; values?: { kind?: string; consent?: boolean } } = {},
  ) {
    const status = signedInResident(request).identityStatus;
    return reply.viewAsync('identity/index', {
      title: 'Подтверждение личности',
      section: '/identity',
      status,
      submission: await latestSubmission(app.db, signedInResident(request).id),
      canUpload: canUpload(status),
      kinds: DOCUMENT_KINDS,
      fileField: FILE_FIELD,
      consentText: consentText(app.config.identityRetentionDays),
      errors: form.errors ?? {},
      values: form.values ?? {},
    });
  }
};

export default identity;
