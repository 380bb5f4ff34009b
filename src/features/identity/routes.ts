import { mkdir } from 'node:fs/promises';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { csrfTokenValid } from '../../plugins/csrf.js';
import { renderError } from '../../plugins/errors.js';
import { parseId } from '../../security/input.js';
import { sendDocumentFile } from './files.js';
import {
  DOCUMENT_KINDS,
  canUpload,
  cleanPersonalData,
  consentText,
  isDocumentKind,
  validatePersonalData,
  type PersonalData,
  type PersonalDataErrors,
} from './rules.js';
import { findDocument, latestSubmission, submitDocuments, uploadDir } from './service.js';
import { FILE_FIELD, acceptUploads, receiveUpload, removePartialUploads } from './upload.js';
import { signedInResident } from '../../plugins/auth.js';
import { findInvitation } from '../co-owners/service.js';
import { invitationPath } from '../co-owners/routes.js';

type UploadErrors = Partial<Record<'kind' | 'documents' | 'consent', string>> & PersonalDataErrors;
type UploadValues = Partial<PersonalData> & { kind?: string; consent?: boolean };

/** «Подтверждение личности»: the resident's status, what was sent, and the upload form. Behind requireResident. */
const identity: FastifyPluginAsync = async (app) => {
  const dir = uploadDir(app.config);
  await mkdir(dir, { recursive: true });
  app.addHook('onReady', async () => {
    await removePartialUploads(dir);
  });

  await acceptUploads(app);

  app.get('/identity', (request, reply) => showPage(request, reply));

  // The CSRF token is a field of the multipart body, checked here once the body is read.
  app.post('/identity', { config: { csrf: false, rateLimit: { max: 30, timeWindow: '10 minutes' } } }, async (request, reply) => {
    const resident = signedInResident(request);
    // Nothing to change: the body is not even read.
    if (!canUpload(resident.identityStatus)) return reply.redirect('/identity', 303);
    const received = await receiveUpload(request, dir, (token) => csrfTokenValid(request, token));
    if (!received.csrfValid) return await renderError(request, reply, 403, 'Страница устарела. Обновите её и повторите действие.');
    const personal = cleanPersonalData(received.personal);
    const errors: UploadErrors = validatePersonalData(personal, app.clock.today());
    if (!isDocumentKind(received.kind)) errors.kind = 'Выберите вид документа.';
    if (received.fileError) errors.documents = received.fileError;
    else if (received.files.length === 0) errors.documents = 'Выберите файл документа: скан или фотографию в формате JPEG, PNG или PDF.';
    if (!received.consent) errors.consent = 'Отметьте согласие на обработку персональных данных: без него мы не можем проверить документы.';
    if (!isDocumentKind(received.kind) || Object.keys(errors).length > 0) {
      reply.code(received.tooLarge ? 413 : 422);
      return showPage(request, reply, { errors, values: { ...personal, kind: received.kind, consent: received.consent } });
    }
    await submitDocuments(app.db, {
      residentId: resident.id,
      kind: received.kind,
      personal,
      consentText: consentText(app.config.identityRetentionDays),
      now: app.clock.now(),
      files: received.files,
    });
    return reply.redirect('/identity', 303);
  });

  app.get<{ Params: { id: string } }>('/identity/documents/:id', async (request, reply) => {
    const id = parseId(request.params.id);
    const document = id === null ? null : await findDocument(app.db, id, { residentId: signedInResident(request).id });
    if (!document) return renderError(request, reply, 404);
    return sendDocumentFile(request, reply, document);
  });

  async function showPage(
    request: FastifyRequest,
    reply: FastifyReply,
    form: { errors?: UploadErrors; values?: UploadValues } = {},
  ) {
    const status = signedInResident(request).identityStatus;
    const token = request.session.invitationToken;
    const invitation = token ? await findInvitation(app.db, token, app.clock.now()) : null;
    return reply.viewAsync('identity/index', {
      invitationLink: invitation && token ? invitationPath(token) : null,
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
