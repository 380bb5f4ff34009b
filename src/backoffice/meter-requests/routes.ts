import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { renderError } from '../../plugins/errors.js';
import { field, parseId } from '../../security/input.js';
import { signedInStaff } from '../../plugins/auth.js';
import { readRecordingView, recordStaffView } from '../audit/viewed.js';
import { recordAudit } from '../../audit/writer.js';
import { sendDocumentFile } from '../../features/identity/files.js';
import { decideMeterRequest, meterRequest, meterRequestCertificate, pendingMeterRequests, type MeterDecision } from '../../features/meter-requests/service.js';

// «Регистрация счётчиков» (/admin/meter-requests): residents' requests to register a
// new meter or a passed verification, decided by moderators with the certificate open.

type IdParams = { Params: { id: string } };

const meterRequests: FastifyPluginAsync = async (app) => {
  app.get('/meter-requests', async (request, reply) => {
    const requests = await readRecordingView(app.db, request, { action: 'meter-requests.listed' }, pendingMeterRequests(app.db));
    return reply.viewAsync('backoffice/meter-requests/index', { title: 'Регистрация счётчиков', requests, done: field(request.query, 'done') });
  });

  async function show(request: FastifyRequest<IdParams>, reply: FastifyReply, extra: { errors?: Record<string, string>; reason?: string; notice?: string } = {}) {
    const id = parseId(request.params.id);
    const found = id === null ? null : await meterRequest(app.db, id);
    if (!found) return renderError(request, reply, 404);
    await recordStaffView(app.db, request, { action: 'meter-request.viewed', subjectType: 'meter_request', subjectId: found.id });
    return reply.viewAsync('backoffice/meter-requests/show', { title: 'Заявка на регистрацию счётчика', request: found, errors: {}, reason: '', ...extra });
  }

  app.get<IdParams>('/meter-requests/:id', (request, reply) => show(request, reply));

  // The certificate, opened by a moderator: every view is audited.
  app.get<IdParams>('/meter-requests/:id/certificate', async (request, reply) => {
    const id = parseId(request.params.id);
    const certificate = id === null ? null : await meterRequestCertificate(app.db, id, 'staff');
    if (!certificate) return renderError(request, reply, 404);
    await recordAudit(app.db, {
      staffId: signedInStaff(request).id,
      action: 'meter-request.certificate.viewed',
      subjectType: 'meter_request',
      subjectId: certificate.id,
      details: { name: certificate.originalName },
      ip: request.ip,
    });
    return sendDocumentFile(request, reply, certificate);
  });

  async function decide(request: FastifyRequest<IdParams>, reply: FastifyReply, decision: MeterDecision) {
    const id = parseId(request.params.id);
    if (id === null) return renderError(request, reply, 404);
    const result = await app.db.transaction().execute((trx) =>
      decideMeterRequest(trx, { id, staffId: signedInStaff(request).id, decision, now: app.clock.now(), ip: request.ip }),
    );
    if (result === 'not-found') return renderError(request, reply, 404);
    if (result === 'already-decided') {
      reply.code(409);
      return show(request, reply, { notice: 'По этой заявке уже принято решение; оно остаётся в силе.' });
    }
    if (result !== 'done') {
      reply.code(409);
      return show(request, reply, { notice: result.refused });
    }
    return reply.redirect(`/admin/meter-requests?done=${decision.kind === 'approve' ? 'approved' : 'rejected'}`, 303);
  }

  app.post<IdParams>('/meter-requests/:id/approval', (request, reply) => decide(request, reply, { kind: 'approve' }));

  app.post<IdParams>('/meter-requests/:id/rejection', async (request, reply) => {
    const reason = field(request.body, 'reason').trim();
    if (reason === '' || reason.length > 500) {
      reply.code(422);
      return show(request, reply, { reason, errors: { reason: reason === '' ? 'Укажите причину отказа' : 'Причина отказа — не больше 500 символов' } });
    }
    return decide(request, reply, { kind: 'reject', reason });
  });
};

export default meterRequests;
