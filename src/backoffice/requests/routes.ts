import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { csrfTokenValid } from '../../plugins/csrf.js';
import { renderError } from '../../plugins/errors.js';
import { signedInStaff } from '../../plugins/auth.js';
import { field, parseId } from '../../security/input.js';
import { sendDocumentFile } from '../../features/identity/files.js';
import { uploadDir } from '../../features/identity/service.js';
import { acceptUploads } from '../../features/identity/upload.js';
import { STAFF_DONE_MESSAGES, doneMessage } from '../../features/requests/messages.js';
import { MAX_PHOTOS_AT_ONCE, PHOTO_FIELD, receivePhotos } from '../../features/requests/photos.js';
import { KIND_LABELS, MAX_COMMENT, MAX_CREW, MAX_PHOTOS_PER_REQUEST, isKind, nextStatuses, textError } from '../../features/requests/rules.js';
import {
  addComment, assignCrew, closeNoticeRequests, findPhoto, finishRequest, linkToNotice, noticesForBuilding, requestBuildings, requestById, requestHistory,
  requestQueue, requestsOfNotice, type QueueFilter, type Request,
} from '../../features/requests/service.js';
import type { RequestStatus } from '../../features/requests/tables.js';
import { REQUEST_STATUS_LABELS } from '../../lib/labels.js';

// «Заявки» in the back office (/admin/requests), for dispatchers: the queue by
// deadline, taking a request with a crew, finishing or rejecting it with the
// result, links to outage notices and closing a notice's requests together.

type IdParams = { Params: { id: string } };
type Query = { building?: string; kind?: string; status?: string; overdue?: string; page?: string; done?: string };

const STATUS_FILTERS: Record<string, string> = {
  open: 'Открытые',
  all: 'Все',
  ...Object.fromEntries(Object.entries(REQUEST_STATUS_LABELS).map(([value, { label }]) => [value, label])),
};

function parseFilter(query: Query): QueueFilter {
  const status = query.status ?? 'open';
  return {
    buildingId: query.building ? parseId(query.building) : null,
    kind: isKind(query.kind) ? query.kind : null,
    status: Object.hasOwn(STATUS_FILTERS, status) ? (status as QueueFilter['status']) : 'open',
    overdueOnly: query.overdue === 'yes',
  };
}

/** The query string that keeps the filters, for pagination links. */
function filterQuery(filter: QueueFilter): string {
  const params = new URLSearchParams();
  if (filter.buildingId !== null) params.set('building', String(filter.buildingId));
  if (filter.kind) params.set('kind', filter.kind);
  params.set('status', filter.status);
  if (filter.overdueOnly) params.set('overdue', 'yes');
  return params.toString();
}

const requestQueueRoutes: FastifyPluginAsync = async (app) => {
  const { db, clock, config } = app;
  const dir = uploadDir(config);
  await acceptUploads(app);
  const actor = (request: FastifyRequest) => ({ staffId: signedInStaff(request).id, ip: request.ip });

  app.get<{ Querystring: Query }>('/', async (request, reply) => {
    const filter = parseFilter(request.query);
    const page = parseId(request.query.page ?? '1') ?? 1;
    const [queue, buildings] = await Promise.all([requestQueue(db, filter, page, clock.now()), requestBuildings(db)]);
    return reply.render('backoffice/requests/index', 'backoffice/requests/_queue', {
      title: 'Заявки', queue, filter, query: filterQuery(filter), buildings,
      kinds: Object.entries(KIND_LABELS).map(([value, label]) => ({ value, label })),
      statuses: Object.entries(STATUS_FILTERS).map(([value, label]) => ({ value, label })),
    });
  });

  app.get<{ Params: { noticeId: string }; Querystring: { done?: string } }>('/notices/:noticeId', async (request, reply) => {
    const noticeId = parseId(request.params.noticeId);
    const found = noticeId === null ? null : await requestsOfNotice(db, noticeId, clock.now());
    if (!found) return renderError(request, reply, 404);
    return reply.viewAsync('backoffice/requests/notice', {
      title: `Заявки по объявлению № ${found.notice.id}`, ...found, message: '', errors: {}, done: doneMessage(STAFF_DONE_MESSAGES, request.query.done),
    });
  });

  app.post<{ Params: { noticeId: string } }>('/notices/:noticeId/closure', async (request, reply) => {
    const noticeId = parseId(request.params.noticeId);
    const found = noticeId === null ? null : await requestsOfNotice(db, noticeId, clock.now());
    if (!found) return renderError(request, reply, 404);
    const message = field(request.body, 'message');
    const error = textError(message, 'Напишите, что сделано: это сообщение получат все жители', MAX_COMMENT);
    if (error) return reply.code(422).viewAsync('backoffice/requests/notice', { title: `Заявки по объявлению № ${found.notice.id}`, ...found, message, errors: { message: error } });
    await db.transaction().execute((trx) => closeNoticeRequests(trx, found.notice.id, message.trim(), actor(request), clock.now(), config.publicUrl));
    return reply.redirect(`/admin/requests/notices/${found.notice.id}?done=closed`, 303);
  });

  async function found(request: FastifyRequest<IdParams>): Promise<Request | null> {
    const id = parseId(request.params.id);
    return id === null ? null : requestById(db, id, clock.now());
  }

  async function showRequest(reply: FastifyReply, item: Request, extra: { done?: string; errors?: Record<string, string>; values?: Record<string, string> } = {}) {
    const [history, notices] = await Promise.all([requestHistory(db, item.id), noticesForBuilding(db, item.buildingId)]);
    const finishing = nextStatuses(item.status, 'dispatcher').filter((s): s is 'done' | 'rejected' => s === 'done' || s === 'rejected');
    return reply.viewAsync('backoffice/requests/show', {
      title: `Заявка № ${item.id}`, request: item, history, notices, maxPhotos: MAX_PHOTOS_AT_ONCE, photoField: PHOTO_FIELD,
      finishing: finishing.map((value) => ({ value, label: REQUEST_STATUS_LABELS[value].label })),
      errors: {}, values: {}, ...extra,
    });
  }

  app.get<IdParams & { Querystring: { done?: string } }>('/:id', async (request, reply) => {
    const item = await found(request);
    if (!item) return renderError(request, reply, 404);
    return showRequest(reply, item, { done: doneMessage(STAFF_DONE_MESSAGES, request.query.done) });
  });

  app.post<IdParams>('/:id/assignment', async (request, reply) => {
    const item = await found(request);
    if (!item) return renderError(request, reply, 404);
    const crew = field(request.body, 'crew');
    const error = textError(crew, 'Укажите бригаду', MAX_CREW);
    if (error) return showRequest(reply.code(422), item, { errors: { crew: error }, values: { crew } });
    const outcome = await db.transaction().execute((trx) => assignCrew(trx, item.id, crew.trim(), actor(request), clock.now(), config.publicUrl));
    if (!outcome) return renderError(request, reply, 409, 'Заявка уже закрыта: назначить бригаду нельзя.');
    return reply.redirect(`/admin/requests/${item.id}?done=${outcome}`, 303);
  });

  // Multipart (the result's photos): the CSRF token is the body's first field, checked once the body is read.
  app.post<IdParams>('/:id/status', { config: { csrf: false } }, async (request, reply) => {
    const item = await found(request);
    if (!item) return renderError(request, reply, 404);
    const received = await receivePhotos(request, dir, (token) => csrfTokenValid(request, token));
    if (!received.csrfValid) return await renderError(request, reply, 403, 'Страница устарела. Обновите её и повторите действие.');
    const status = received.fields.status ?? '';
    const comment = received.fields.comment ?? '';
    const allowed = nextStatuses(item.status, 'dispatcher') as RequestStatus[];
    const errors: Record<string, string> = {};
    if (!(status === 'done' || status === 'rejected') || !allowed.includes(status)) errors.status = 'Выберите новый статус';
    const commentError = textError(comment, status === 'rejected' ? 'Напишите причину отказа: её прочтёт житель' : 'Напишите, что сделано: это прочтёт житель', MAX_COMMENT);
    if (commentError) errors.comment = commentError;
    if (received.photoError) errors.photos = received.photoError;
    if (Object.keys(errors).length > 0 || !(status === 'done' || status === 'rejected')) {
      return await showRequest(reply.code(received.tooLarge ? 413 : 422), item, { errors, values: { status, comment } });
    }
    const outcome = await db.transaction().execute((trx) =>
      finishRequest(trx, {
        requestId: item.id, status, comment: comment.trim(), photos: received.photos, actor: actor(request), now: clock.now(),
        publicUrl: config.publicUrl, max: MAX_PHOTOS_PER_REQUEST,
      }),
    );
    if (outcome === 'too-many-photos') {
      return await showRequest(reply.code(422), item, { errors: { photos: `К заявке можно приложить не больше ${MAX_PHOTOS_PER_REQUEST} фотографий.` }, values: { status, comment } });
    }
    if (outcome === 'not-allowed') return await renderError(request, reply, 409, 'Статус заявки уже изменился: обновите страницу.');
    return reply.redirect(`/admin/requests/${item.id}?done=${status}`, 303);
  });

  app.post<IdParams>('/:id/comments', async (request, reply) => {
    const item = await found(request);
    if (!item) return renderError(request, reply, 404);
    const text = field(request.body, 'note');
    const error = textError(text, 'Напишите комментарий', MAX_COMMENT);
    if (error) return showRequest(reply.code(422), item, { errors: { note: error }, values: { note: text } });
    await db.transaction().execute((trx) => addComment(trx, item.id, actor(request), text.trim(), clock.now()));
    return reply.redirect(`/admin/requests/${item.id}?done=commented`, 303);
  });

  app.post<IdParams>('/:id/notice', async (request, reply) => {
    const item = await found(request);
    if (!item) return renderError(request, reply, 404);
    const noticeId = parseId(field(request.body, 'noticeId'));
    const linked = noticeId !== null && (await db.transaction().execute((trx) => linkToNotice(trx, item.id, noticeId, actor(request), clock.now())));
    if (!linked) return showRequest(reply.code(422), item, { errors: { noticeId: 'Выберите действующее объявление по дому этой заявки' } });
    return reply.redirect(`/admin/requests/${item.id}?done=linked`, 303);
  });

  app.get<{ Params: { id: string; photoId: string } }>('/:id/photos/:photoId', async (request, reply) => {
    const item = await found(request);
    const photoId = parseId(request.params.photoId);
    const photo = item && photoId !== null ? await findPhoto(db, item.id, photoId) : null;
    if (!photo) return renderError(request, reply, 404);
    return sendDocumentFile(request, reply, photo);
  });
};

export default requestQueueRoutes;
