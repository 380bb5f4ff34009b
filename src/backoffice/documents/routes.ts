import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { renderError } from '../../plugins/errors.js';
import { field, parseId } from '../../security/input.js';
import { sendDocumentFile } from '../../features/identity/files.js';
import { DOCUMENT_KINDS, REJECTION_REASONS, rejectionReason } from '../../features/identity/rules.js';
import { findDocument } from '../../features/identity/service.js';
import { QUEUE_PAGE_SIZE, approvalError, decide, pendingQueue, reviewOf, type Decision } from './service.js';
import { readRecordingView, recordStaffView } from '../audit/viewed.js';
import { signedInStaff } from '../../plugins/auth.js';

type IdParams = { Params: { id: string } };
type RejectionForm = { reason?: string | string[]; comment?: string | string[] };

const DONE_NOTICES: Record<string, string> = {
  approved: 'Документы одобрены, личность жителя подтверждена. Житель получит письмо.',
  rejected: 'Документы отклонены. Житель получит письмо с причиной отказа.',
};

/** «Проверка документов» under /admin, behind requireStaff('moderator'). */
const documents: FastifyPluginAsync = async (app) => {
  app.get<{ Querystring: { page?: string; done?: string } }>('/documents', async (request, reply) => {
    const page = parseId(request.query.page) ?? 1;
    const { items, total } = await readRecordingView(app.db, request, { action: 'identity.submissions.listed', details: { page } }, pendingQueue(app.db, page));
    return reply.viewAsync('backoffice/documents/queue', {
      title: 'Проверка документов',
      items,
      total,
      page,
      pages: Math.max(1, Math.ceil(total / QUEUE_PAGE_SIZE)),
      kinds: DOCUMENT_KINDS,
      notice: DONE_NOTICES[request.query.done ?? ''],
    });
  });

  app.get<IdParams>('/documents/:id', async (request, reply) => {
    const id = parseId(request.params.id);
    if (id === null) return renderError(request, reply, 404);
    return showReview(request, reply, id);
  });

  app.get<{ Params: { id: string; fileId: string } }>('/documents/:id/files/:fileId', async (request, reply) => {
    const submissionId = parseId(request.params.id);
    const fileId = parseId(request.params.fileId);
    const document = submissionId === null || fileId === null ? null : await findDocument(app.db, fileId, { submissionId });
    if (!document) return renderError(request, reply, 404);
    await recordStaffView(app.db, request, {
      action: 'identity.document.viewed',
      subjectType: 'identity_document',
      subjectId: document.id,
      details: { submissionId, deleted: document.deletedAt !== null },
    });
    return sendDocumentFile(request, reply, document);
  });

  app.post<IdParams>('/documents/:id/approval', async (request, reply) => {
    const id = parseId(request.params.id);
    const review = id === null ? null : await reviewOf(app.db, id);
    if (id === null || !review) return renderError(request, reply, 404);
    const error = review.status === 'pending' ? approvalError(review, field(request.body, 'matches') === 'yes') : null;
    if (error) {
      reply.code(422);
      return showReview(request, reply, id, { errors: { matches: error } });
    }
    return decideAndRedirect(request, reply, { kind: 'approval' });
  });

  app.post<IdParams & { Body: RejectionForm }>('/documents/:id/rejection', async (request, reply) => {
    const body = request.body ?? {};
    const result = rejectionReason(single(body.reason), single(body.comment));
    if (!result.ok) {
      const id = parseId(request.params.id);
      if (id === null) return renderError(request, reply, 404);
      reply.code(422);
      return showReview(request, reply, id, { errors: { reason: result.error }, values: { reason: single(body.reason), comment: single(body.comment) } });
    }
    return decideAndRedirect(request, reply, { kind: 'rejection', reason: result.reason });
  });

  async function decideAndRedirect(request: FastifyRequest<IdParams>, reply: FastifyReply, decision: Decision) {
    const id = parseId(request.params.id);
    if (id === null) return renderError(request, reply, 404);
    const input = { submissionId: id, staffId: signedInStaff(request).id, decision, now: app.clock.now(), ip: request.ip, publicUrl: app.config.publicUrl };
    const outcome = await app.db.transaction().execute((trx) => decide(trx, input));
    if (outcome === 'not-found') return renderError(request, reply, 404);
    if (outcome === 'already-decided') {
      reply.code(409);
      return showReview(request, reply, id, { alreadyDecided: true });
    }
    return reply.redirect(`/admin/documents?done=${decision.kind === 'approval' ? 'approved' : 'rejected'}`, 303);
  }

  async function showReview(
    request: FastifyRequest,
    reply: FastifyReply,
    id: number,
    form: { errors?: Record<string, string>; values?: Record<string, string | undefined>; alreadyDecided?: boolean } = {},
  ) {
    const review = await reviewOf(app.db, id);
    if (!review) return renderError(request, reply, 404);
    await recordStaffView(app.db, request, {
      action: 'identity.submission.viewed',
      subjectType: 'identity_submission',
      subjectId: id,
      details: { residentId: review.resident.id },
    });
    return reply.viewAsync('backoffice/documents/review', {
      title: `Проверка документов № ${review.id}`,
      review,
      kinds: DOCUMENT_KINDS,
      reasons: REJECTION_REASONS,
      errors: form.errors ?? {},
      values: form.values ?? {},
      alreadyDecided: form.alreadyDecided ?? false,
    });
  }
};

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export default documents;
