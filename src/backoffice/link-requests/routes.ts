import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { renderError } from '../../plugins/errors.js';
import { field, parseId } from '../../security/input.js';
import { decide, holdersOf, linkRequest, linkRequests, type Decision } from './service.js';
import { type LinkStatus } from '../../features/linking/tables.js';
import { signedInStaff } from '../../plugins/auth.js';
import { readRecordingView, recordStaffView } from '../audit/viewed.js';

// «Заявки на подключение» (/admin/link-requests), for moderators.

type IdParams = { Params: { id: string } };

const STATUSES: LinkStatus[] = ['pending', 'approved', 'rejected'];

/** What the moderator reads after a decision (post/redirect/get carries only the word). */
const DONE_NOTICES: Record<string, string> = {
  approved: 'Заявка одобрена: лицевой счёт подключён. Житель получит письмо.',
  rejected: 'Заявка отклонена. Житель получит письмо с причиной отказа.',
};

const linkRequestRoutes: FastifyPluginAsync = async (app) => {
  app.get('/link-requests', async (request, reply) => {
    const status = STATUSES.find((s) => s === field(request.query, 'status')) ?? 'pending';
    const page = parseId(field(request.query, 'page')) ?? 1;
    const { requests, hasNext } = await readRecordingView(app.db, request, { action: 'link-requests.listed', details: { status, page } }, linkRequests(app.db, status, page));
    const notice = DONE_NOTICES[field(request.query, 'done')];
    return reply.viewAsync('backoffice/link-requests/index', { title: 'Заявки на подключение', status, statuses: STATUSES, requests, page, hasNext, notice });
  });

  async function show(request: FastifyRequest<IdParams>, reply: FastifyReply, extra: { errors?: Record<string, string>; reason?: string; notice?: string } = {}) {
    const id = parseId(request.params.id);
    const found = id === null ? null : await linkRequest(app.db, id);
    if (!found) return renderError(request, reply, 404);
    const holders = found.match.kind === 'matched' ? await holdersOf(app.db, found.match.accountId) : [];
    await recordStaffView(app.db, request, { action: 'link-request.viewed', subjectType: 'account_link', subjectId: found.id });
    return reply.viewAsync('backoffice/link-requests/show', { title: 'Заявка на подключение', request: found, holders, errors: {}, reason: '', ...extra });
  }

  app.get<IdParams>('/link-requests/:id', (request, reply) => show(request, reply));

  async function decideAndAnswer(request: FastifyRequest<IdParams>, reply: FastifyReply, decision: Decision) {
    const id = parseId(request.params.id);
    if (id === null) return renderError(request, reply, 404);
    const result = await app.db.transaction().execute((trx) =>
      decide(trx, { id, staffId: signedInStaff(request).id, decision, now: app.clock.now(), ip: request.ip }),
    );
    if (result === 'not-found') return renderError(request, reply, 404);
    if (result === 'already-decided') {
      reply.code(409);
      return show(request, reply, { notice: 'По этой заявке уже принято решение; оно остаётся в силе.' });
    }
    if (result === 'has-owner') {
      reply.code(409);
      return show(request, reply, {
        notice: 'Одобрить нельзя: у лицевого счёта уже есть владелец в личном кабинете. Отклоните заявку — житель узнает, как попросить владельца о приглашении совладельцем. Если собственник сменился, передайте права владельца на странице лицевого счёта.',
      });
    }
    if (result === 'no-match') {
      reply.code(422);
      return show(request, reply, { notice: 'Одобрить нельзя: заявка не совпадает с реестром. Отклоните её с причиной.' });
    }
    return reply.redirect(`/admin/link-requests?done=${decision.kind === 'approve' ? 'approved' : 'rejected'}`, 303);
  }

  app.post<IdParams>('/link-requests/:id/approval', (request, reply) => decideAndAnswer(request, reply, { kind: 'approve' }));

  app.post<IdParams>('/link-requests/:id/rejection', async (request, reply) => {
    const reason = field(request.body, 'reason').trim();
    if (reason === '' || reason.length > 500) {
      reply.code(422);
      return show(request, reply, { reason, errors: { reason: reason === '' ? 'Укажите причину отказа' : 'Причина отказа — не больше 500 символов' } });
    }
    return decideAndAnswer(request, reply, { kind: 'reject', reason });
  });
};

export default linkRequestRoutes;
