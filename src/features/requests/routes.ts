import { mkdir } from 'node:fs/promises';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { csrfTokenValid } from '../../plugins/csrf.js';
import { renderError } from '../../plugins/errors.js';
import { signedInResident } from '../../plugins/auth.js';
import { normalisePhone } from '../../security/contacts.js';
import { field, parseId } from '../../security/input.js';
import { accessibleAccounts, can, type AccessibleAccount } from '../accounts/access.js';
import { sendDocumentFile } from '../identity/files.js';
import { uploadDir } from '../identity/service.js';
import { acceptUploads } from '../identity/upload.js';
import { RESIDENT_DONE_MESSAGES, doneMessage } from './messages.js';
import { MAX_PHOTOS_AT_ONCE, PHOTO_FIELD, receivePhotos } from './photos.js';
import {
  MAX_COMMENT, MAX_PHOTOS_PER_REQUEST, PLACE_LABELS, RATING_LABELS, canMove, isKind, isPlace, parseRating, textError, validateRequestForm,
  type RequestForm, type RequestFormErrors,
} from './rules.js';
import {
  addComment, addPhotos, fileRequest, fileableAccounts, findPhoto, rateRequest, requestForResident, requestHistory, requestKinds, residentRequests,
  withdrawRequest, type Request,
} from './service.js';

// «Заявки»: a resident files a request for a linked account, follows it, comments,
// adds photos, withdraws it while open and rates the result once it is done.

type IdParams = { Params: { id: string } };
type Found = { request: Request; account: AccessibleAccount };

const requests: FastifyPluginAsync = async (app) => {
  const { db, clock, config } = app;
  const dir = uploadDir(config);
  await mkdir(dir, { recursive: true });
  // Multipart for the two photo forms only, with the identity upload's limits.
  await acceptUploads(app);

  app.get<{ Querystring: { page?: string; done?: string } }>('/requests', async (request, reply) => {
    const resident = signedInResident(request);
    const page = parseId(request.query.page ?? '1') ?? 1;
    const list = await residentRequests(db, resident.id, page, clock.now());
    return reply.viewAsync('requests/index', {
      title: 'Заявки', section: '/requests', list, canFile: fileableAccounts(list.accounts).length > 0,
      done: doneMessage(RESIDENT_DONE_MESSAGES, request.query.done),
    });
  });

  app.get('/requests/new', (request, reply) => showForm(request, reply));

  // Multipart: the CSRF token is the body's first field, checked once the body is read.
  app.post('/requests', { config: { csrf: false, rateLimit: { max: 20, timeWindow: '10 minutes' } } }, async (request, reply) => {
    const resident = signedInResident(request);
    const received = await receivePhotos(request, dir, (token) => csrfTokenValid(request, token));
    if (!received.csrfValid) return await renderError(request, reply, 403, 'Страница устарела. Обновите её и повторите действие.');
    const form: RequestForm = {
      accountId: received.fields.accountId ?? '',
      kind: received.fields.kind ?? '',
      place: received.fields.place ?? '',
      description: received.fields.description ?? '',
      phone: received.fields.phone ?? '',
      smsUpdates: received.fields.smsUpdates === 'yes',
    };
    const phone = normalisePhone(form.phone);
    const errors = validateRequestForm(form, phone !== null);
    const accounts = fileableAccounts(await accessibleAccounts(db, resident.id));
    const account = accounts.find((a) => String(a.id) === form.accountId);
    if (!account && !errors.accountId) errors.accountId = 'Выберите лицевой счёт из списка';
    if (received.photoError) errors.photos = received.photoError;
    const { kind, place } = form;
    if (Object.keys(errors).length > 0 || !account || !phone || !isKind(kind) || !isPlace(place)) {
      return await showForm(request, reply.code(received.tooLarge ? 413 : 422), form, errors);
    }
    const id = await db.transaction().execute((trx) =>
      fileRequest(trx, {
        residentId: resident.id, account, kind, place, description: form.description.trim(), phone,
        smsUpdates: form.smsUpdates, photos: received.photos, now: clock.now(),
      }),
    );
    return reply.redirect(`/requests/${id}?done=filed`, 303);
  });

  async function found(request: FastifyRequest<IdParams>): Promise<Found | null> {
    const id = parseId(request.params.id);
    return id === null ? null : requestForResident(db, signedInResident(request).id, id, clock.now());
  }

  app.get<IdParams & { Querystring: { done?: string } }>('/requests/:id', async (request, reply) => {
    const item = await found(request);
    if (!item) return renderError(request, reply, 404);
    return showRequest(request, reply, item, { done: doneMessage(RESIDENT_DONE_MESSAGES, request.query.done) });
  });

  app.post<IdParams>('/requests/:id/comments', async (request, reply) => {
    const item = await found(request);
    if (!item) return renderError(request, reply, 404);
    if (!can(item.account.rights, 'file-request')) return renderError(request, reply, 403, 'С правом «Просмотр» можно читать заявки, но не писать в них.');
    const text = field(request.body, 'comment');
    const error = textError(text, 'Напишите комментарий', MAX_COMMENT);
    if (error) return showRequest(request, reply.code(422), item, { errors: { comment: error }, values: { comment: text } });
    await db.transaction().execute((trx) => addComment(trx, item.request.id, { residentId: signedInResident(request).id }, text.trim(), clock.now()));
    return reply.redirect(`/requests/${item.request.id}?done=commented#history`, 303);
  });

  app.post<IdParams>('/requests/:id/photos', { config: { csrf: false, rateLimit: { max: 20, timeWindow: '10 minutes' } } }, async (request, reply) => {
    const item = await found(request);
    // Nothing to store: the body is not even read.
    if (!item) return renderError(request, reply, 404);
    if (!can(item.account.rights, 'file-request')) return renderError(request, reply, 403, 'С правом «Просмотр» можно читать заявки, но не писать в них.');
    const received = await receivePhotos(request, dir, (token) => csrfTokenValid(request, token));
    if (!received.csrfValid) return await renderError(request, reply, 403, 'Страница устарела. Обновите её и повторите действие.');
    const error = received.photoError ?? (received.photos.length === 0 ? 'Выберите фотографию: JPEG или PNG.' : undefined);
    if (error) return await showRequest(request, reply.code(received.tooLarge ? 413 : 422), item, { errors: { photos: error } });
    const added = await db.transaction().execute((trx) =>
      addPhotos(trx, { requestId: item.request.id, actor: { residentId: signedInResident(request).id }, photos: received.photos, now: clock.now(), max: MAX_PHOTOS_PER_REQUEST }),
    );
    if (!added) return await showRequest(request, reply.code(422), item, { errors: { photos: `К заявке можно приложить не больше ${MAX_PHOTOS_PER_REQUEST} фотографий.` } });
    return reply.redirect(`/requests/${item.request.id}?done=photos#history`, 303);
  });

  app.get<{ Params: { id: string; photoId: string } }>('/requests/:id/photos/:photoId', async (request, reply) => {
    const item = await found(request);
    const photoId = parseId(request.params.photoId);
    const photo = item && photoId !== null ? await findPhoto(db, item.request.id, photoId) : null;
    if (!photo) return renderError(request, reply, 404);
    return sendDocumentFile(request, reply, photo);
  });

  app.get<IdParams>('/requests/:id/withdrawal', async (request, reply) => {
    const item = await found(request);
    if (!item) return renderError(request, reply, 404);
    if (!can(item.account.rights, 'file-request')) return renderError(request, reply, 403, 'С правом «Просмотр» можно читать заявки, но не менять их.');
    if (!canMove(item.request.status, 'withdrawn', 'resident')) return reply.redirect(`/requests/${item.request.id}`, 303);
    return reply.viewAsync('requests/withdrawal', { title: `Отозвать заявку № ${item.request.id}`, section: '/requests', request: item.request, reason: '', errors: {} });
  });

  app.post<IdParams>('/requests/:id/withdrawal', async (request, reply) => {
    const item = await found(request);
    if (!item) return renderError(request, reply, 404);
    if (!can(item.account.rights, 'file-request')) return renderError(request, reply, 403, 'С правом «Просмотр» можно читать заявки, но не менять их.');
    const reason = field(request.body, 'reason');
    const error = textError(reason, '', MAX_COMMENT, false);
    if (error) {
      return reply.code(422).viewAsync('requests/withdrawal', { title: `Отозвать заявку № ${item.request.id}`, section: '/requests', request: item.request, reason, errors: { reason: error } });
    }
    const done = await db.transaction().execute((trx) => withdrawRequest(trx, item.request.id, signedInResident(request).id, reason.trim(), clock.now()));
    if (!done) return renderError(request, reply, 409, 'Заявка уже закрыта: отозвать её нельзя.');
    return reply.redirect(`/requests/${item.request.id}?done=withdrawn`, 303);
  });

  app.post<IdParams>('/requests/:id/rating', async (request, reply) => {
    const item = await found(request);
    if (!item) return renderError(request, reply, 404);
    if (!can(item.account.rights, 'file-request')) return renderError(request, reply, 403, 'С правом «Просмотр» можно читать заявки, но не оценивать их.');
    const rating = parseRating(field(request.body, 'rating'));
    const comment = field(request.body, 'ratingComment');
    const errors: Record<string, string> = {};
    if (rating === null) errors.rating = 'Выберите оценку от 1 до 5';
    const commentError = textError(comment, '', MAX_COMMENT, false);
    if (commentError) errors.ratingComment = commentError;
    if (rating === null || commentError) return showRequest(request, reply.code(422), item, { errors, values: { rating: field(request.body, 'rating'), ratingComment: comment } });
    const done = await db.transaction().execute((trx) => rateRequest(trx, item.request.id, signedInResident(request).id, rating, comment.trim(), clock.now()));
    if (!done) return renderError(request, reply, 409, 'Оценить можно только выполненную заявку, и только один раз.');
    return reply.redirect(`/requests/${item.request.id}?done=rated`, 303);
  });

  async function showForm(request: FastifyRequest, reply: FastifyReply, values?: RequestForm, errors: RequestFormErrors = {}) {
    const resident = signedInResident(request);
    const [accounts, kinds] = await Promise.all([accessibleAccounts(db, resident.id), requestKinds(db)]);
    const fileable = fileableAccounts(accounts);
    return reply.viewAsync('requests/new', {
      title: 'Новая заявка', section: '/requests', accounts: fileable, viewOnly: accounts.length > 0 && fileable.length === 0, kinds,
      places: Object.entries(PLACE_LABELS).map(([value, label]) => ({ value, label })),
      values: values ?? { accountId: fileable.length === 1 ? String(fileable[0]!.id) : '', kind: '', place: '', description: '', phone: resident.phone, smsUpdates: false },
      errors, maxPhotos: MAX_PHOTOS_AT_ONCE, photoField: PHOTO_FIELD,
    });
  }

  async function showRequest(
    request: FastifyRequest,
    reply: FastifyReply,
    item: Found,
    extra: { done?: string; errors?: Record<string, string>; values?: Record<string, string> } = {},
  ) {
    const history = await requestHistory(db, item.request.id);
    return reply.viewAsync('requests/show', {
      title: `Заявка № ${item.request.id}`, section: '/requests', request: item.request, history, residentId: signedInResident(request).id,
      canAct: can(item.account.rights, 'file-request'), canWithdraw: canMove(item.request.status, 'withdrawn', 'resident'),
      ratings: Object.entries(RATING_LABELS).map(([value, label]) => ({ value, label })),
      errors: {}, values: {}, ...extra,
    });
  }
};

export default requests;
