import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { renderError } from '../../plugins/errors.js';
import { field, parseId } from '../../security/input.js';
import { signedInStaff } from '../../plugins/auth.js';
import { readRecordingView, recordStaffView } from '../audit/viewed.js';
import { decideDwellingRequest, dwellingDocument, dwellingRequest, pendingDwellingRequests, type DwellingDecision } from '../../features/dwelling/service.js';
import { recordAudit } from '../../audit/writer.js';
import { sendDocumentFile } from '../../features/identity/files.js';

// «Изменение данных помещения» (/admin/dwelling-requests): residents' requests to
// change the area or residents count, approved or rejected with a reason.

type IdParams = { Params: { id: string } };

const dwellingRequests: FastifyPluginAsync = async (app) => {
  app.get('/dwelling-requests', async (request, reply) => {
    const requests = await readRecordingView(app.db, request, { action: 'dwelling-requests.listed' }, pendingDwellingRequests(app.db));
    return reply.viewAsync('backoffice/dwelling-requests/index', { title: 'Изменение данных помещения', requests, done: field(request.query, 'done') });
  });

  async function show(request: FastifyRequest<IdParams>, reply: FastifyReply, extra: { errors?: Record<string, string>; reason?: string; notice?: string } = {}) {
    const id = parseId(request.params.id);
    const found = id === null ? null : await dwellingRequest(app.db, id);
    if (!found) return renderError(request, reply, 404);
    await recordStaffView(app.db, request, { action: 'dwelling-request.viewed', subjectType: 'dwelling_change', subjectId: found.id });
    return reply.viewAsync('backoffice/dwelling-requests/show', { title: 'Заявка на изменение данных помещения', request: found, errors: {}, reason: '', ...extra });
  }

  app.get<IdParams>('/dwelling-requests/:id', (request, reply) => show(request, reply));

  // The resident's document, opened by a moderator: every view is audited.
  app.get<IdParams>('/dwelling-requests/:id/document', async (request, reply) => {
    const id = parseId(request.params.id);
    const document = id === null ? null : await dwellingDocument(app.db, id, 'staff');
    if (!document) return renderError(request, reply, 404);
    await recordAudit(app.db, {
      staffId: signedInStaff(request).id,
      action: 'dwelling-request.document.viewed',
      subjectType: 'dwelling_change',
      subjectId: id!,
      details: { documentId: document.id },
      ip: request.ip,
    });
    return sendDocumentFile(request, reply, document);
  });

  async function decide(request: FastifyRequest<IdParams>, reply: FastifyReply, decision: DwellingDecision) {
    const id = parseId(request.params.id);
    if (id === null) return renderError(request, reply, 404);
    const result = await app.db.transaction().execute((trx) =>
      decideDwellingRequest(trx, { id, staffId: signedInStaff(request).id, decision, today: app.clock.today(), now: app.clock.now(), ip: request.ip }),
    );
    if (result === 'not-found') return renderError(request, reply, 404);
    if (result === 'already-decided') {
      reply.code(409);
      return show(request, reply, { notice: 'По этой заявке уже принято решение; оно остаётся в силе.' });
    }
    return reply.redirect(`/admin/dwelling-requests?done=${decision.kind === 'approve' ? 'approved' : 'rejected'}`, 303);
  }

  app.post<IdParams>('/dwelling-requests/:id/approval', (request, reply) => decide(request, reply, { kind: 'approve' }));

  app.post<IdParams>('/dwelling-requests/:id/rejection', async (request, reply) => {
    const reason = field(request.body, 'reason').trim();
    if (reason === '' || reason.length > 500) {
      reply.code(422);
      return show(request, reply, { reason, errors: { reason: reason === '' ? 'Укажите причину отказа' : 'Причина отказа — не больше 500 символов' } });
    }
    return decide(request, reply, { kind: 'reject', reason });
  });
};

export default dwellingRequests;
