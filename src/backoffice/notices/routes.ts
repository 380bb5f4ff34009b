import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { renderError } from '../../plugins/errors.js';
import { signedInStaff } from '../../plugins/auth.js';
import { field, fieldValues, parseId } from '../../security/input.js';
import { DONE_MESSAGES } from '../../features/notices/messages.js';
import {
  KINDS, KIND_LABELS, RESOURCES, emptyForm, RESOURCE_LABELS, moscowInputValue, parseMoscowDateTime, validateNotice, type FormErrors, type NoticeForm,
} from '../../features/notices/rules.js';
import {
  buildingsByIds, buildingsOnStreet, closeNotice, extendNotice, noticeById, noticeHistory, publishNotice, searchBuildings, staffNoticeLists,
  updateNotice, withdrawNotice, type Building, type Notice,
} from '../../features/notices/service.js';

// «Объявления» in the back office (/admin/notices), for dispatchers: publish after a
// preview, edit, extend, close with the actual end, withdraw with a reason.

type IdParams = { Params: { id: string } };

const MAX_STREETS = 5;
// A whole district at most; a longer list is someone trying the server, not a dispatcher.
const MAX_BUILDINGS = 5000;
const choices = {
  kinds: KINDS.map((value) => ({ value, label: KIND_LABELS[value] })),
  resources: RESOURCES.map((value) => ({ value, label: RESOURCE_LABELS[value] })),
};

function formOf(notice: Notice): NoticeForm {
  return {
    kind: notice.kind,
    resource: notice.resource,
    buildingIds: notice.buildings.map((b) => b.id),
    startsAt: moscowInputValue(notice.startsAt),
    endsAt: notice.endsAt ? moscowInputValue(notice.endsAt) : '',
    supplier: notice.supplier,
    reason: notice.reason,
    body: notice.body,
    confirmLong: notice.longOutageConfirmed,
  };
}

const noticeRoutes: FastifyPluginAsync = async (app) => {
  const { db, clock, config } = app;

  /** The posted form, with a whole street turned into its buildings and unknown ids dropped. */
  async function postedForm(body: unknown): Promise<{ form: NoticeForm; buildings: Building[] }> {
    const ids = fieldValues(body, 'buildings').slice(0, MAX_BUILDINGS).map(parseId).filter((id): id is number => id !== null);
    const streets = fieldValues(body, 'streets').slice(0, MAX_STREETS).map((s) => s.slice(0, 200));
    const [chosen, onStreets] = await Promise.all([buildingsByIds(db, [...new Set(ids)]), buildingsOnStreet(db, streets)]);
    const buildings = [...new Map([...chosen, ...onStreets].map((b) => [b.id, b])).values()].sort((a, b) => a.address.localeCompare(b.address));
    const form: NoticeForm = {
      kind: field(body, 'kind'),
      resource: field(body, 'resource'),
      buildingIds: buildings.map((b) => b.id),
      startsAt: field(body, 'startsAt'),
      endsAt: field(body, 'endsAt'),
      supplier: field(body, 'supplier'),
      reason: field(body, 'reason'),
      body: field(body, 'body'),
      confirmLong: field(body, 'confirmLong') === 'yes',
    };
    return { form, buildings };
  }

  async function showForm(
    reply: FastifyReply,
    page: { action: string; heading: string; notice?: Notice },
    form: NoticeForm,
    buildings: Building[],
    q = '',
    errors: FormErrors = {},
  ) {
    const search = q.trim() === '' ? null : { q, ...(await searchBuildings(db, q)) };
    return reply.viewAsync('backoffice/notices/form', { title: page.heading, ...page, form, buildings, q, search, errors, ...choices });
  }

  const newPage = { action: '/admin/notices/new', heading: 'Новое объявление' };
  const actor = (request: FastifyRequest) => ({ staffId: signedInStaff(request).id, ip: request.ip, now: clock.now(), publicUrl: config.publicUrl });

  app.get('/', async (_request, reply) => {
    const lists = await staffNoticeLists(db, clock.now());
    return reply.viewAsync('backoffice/notices/index', { title: 'Объявления', ...lists });
  });

  app.get('/new', (_request, reply) =>
    showForm(reply, newPage, emptyForm(), []),
  );

  // Live search while typing (htmx); without JavaScript the form's «Найти» button posts the whole form.
  app.get('/buildings', async (request, reply) => {
    const q = field(request.query, 'q');
    const selected = new Set(fieldValues(request.query, 'buildings').map(parseId));
    const search = { q, ...(await searchBuildings(db, q)) };
    return reply.viewAsync('backoffice/notices/_building-results', { search, selected: [...selected] });
  });

  // The form goes round here until it is valid: search, back from the preview, then the preview.
  app.post('/new', async (request, reply) => {
    const { form, buildings } = await postedForm(request.body);
    const intent = field(request.body, 'intent');
    if (intent !== 'preview') return showForm(reply, newPage, form, buildings, field(request.body, 'q'));
    const checked = validateNotice(form);
    if (!checked.ok) return showForm(reply.code(422), newPage, form, buildings, '', checked.errors);
    return reply.viewAsync('backoffice/notices/preview', {
      title: 'Предпросмотр объявления', form, buildings, value: checked.value,
      when: { kind: KIND_LABELS[checked.value.kind], resource: RESOURCE_LABELS[checked.value.resource] },
    });
  });

  app.post('/', async (request, reply) => {
    const { form, buildings } = await postedForm(request.body);
    const checked = validateNotice(form);
    if (!checked.ok) return showForm(reply.code(422), newPage, form, buildings, '', checked.errors);
    const id = await db.transaction().execute((trx) => publishNotice(trx, checked.value, actor(request)));
    return reply.redirect(`/admin/notices/${id}?done=published`, 303);
  });

  async function found(request: FastifyRequest<IdParams>): Promise<Notice | null> {
    const id = parseId(request.params.id);
    return id === null ? null : noticeById(db, id, clock.now());
  }

  async function showNotice(reply: FastifyReply, notice: Notice, extra: { errors?: FormErrors; values?: Record<string, string>; done?: string } = {}) {
    const history = await noticeHistory(db, notice.id);
    return reply.viewAsync('backoffice/notices/show', {
      title: `Объявление № ${notice.id}`, notice, history, errors: {}, values: {}, ...extra,
      now: moscowInputValue(clock.now()),
    });
  }

  const alreadyFinished = (request: FastifyRequest, reply: FastifyReply) =>
    renderError(request, reply, 409, 'Объявление уже закрыто или отозвано: изменить его нельзя.');

  app.get<IdParams & { Querystring: { done?: string } }>('/:id', async (request, reply) => {
    const notice = await found(request);
    if (!notice) return renderError(request, reply, 404);
    const done = Object.entries(DONE_MESSAGES).find(([key]) => key === request.query.done)?.[1];
    return showNotice(reply, notice, { done });
  });

  app.get<IdParams>('/:id/edit', async (request, reply) => {
    const notice = await found(request);
    if (!notice) return renderError(request, reply, 404);
    if (notice.status !== 'published') return alreadyFinished(request, reply);
    return showForm(reply, { action: `/admin/notices/${notice.id}`, heading: `Изменить объявление № ${notice.id}`, notice }, formOf(notice), notice.buildings);
  });

  app.post<IdParams>('/:id', async (request, reply) => {
    const notice = await found(request);
    if (!notice) return renderError(request, reply, 404);
    const page = { action: `/admin/notices/${notice.id}`, heading: `Изменить объявление № ${notice.id}`, notice };
    const { form, buildings } = await postedForm(request.body);
    if (field(request.body, 'intent') === 'search') return showForm(reply, page, form, buildings, field(request.body, 'q'));
    const checked = validateNotice(form);
    if (!checked.ok) return showForm(reply.code(422), page, form, buildings, '', checked.errors);
    const updated = await db.transaction().execute((trx) => updateNotice(trx, notice.id, checked.value, actor(request)));
    if (!updated) return alreadyFinished(request, reply);
    return reply.redirect(`/admin/notices/${notice.id}?done=updated`, 303);
  });

  app.post<IdParams>('/:id/extension', async (request, reply) => {
    const notice = await found(request);
    if (!notice) return renderError(request, reply, 404);
    const value = field(request.body, 'endsAt');
    const endsAt = parseMoscowDateTime(value);
    const error = !endsAt
      ? 'Укажите новое окончание как дату и время'
      : endsAt <= notice.startsAt || (notice.endsAt !== null && endsAt <= notice.endsAt)
        ? 'Новое окончание должно быть позже прежнего'
        : null;
    if (error || !endsAt) return showNotice(reply.code(422), notice, { errors: { endsAt: error! }, values: { endsAt: value } });
    const done = await db.transaction().execute((trx) => extendNotice(trx, notice.id, endsAt, actor(request)));
    if (!done) return alreadyFinished(request, reply);
    return reply.redirect(`/admin/notices/${notice.id}?done=extended`, 303);
  });

  app.post<IdParams>('/:id/closure', async (request, reply) => {
    const notice = await found(request);
    if (!notice) return renderError(request, reply, 404);
    const value = field(request.body, 'actualEndAt');
    const actualEndAt = parseMoscowDateTime(value);
    const error = !actualEndAt
      ? 'Укажите фактическое окончание как дату и время'
      : actualEndAt <= notice.startsAt
        ? 'Фактическое окончание должно быть позже начала'
        : actualEndAt > clock.now()
          ? 'Фактическое окончание не может быть в будущем'
          : null;
    if (error || !actualEndAt) return showNotice(reply.code(422), notice, { errors: { actualEndAt: error! }, values: { actualEndAt: value } });
    const done = await db.transaction().execute((trx) => closeNotice(trx, notice.id, actualEndAt, actor(request)));
    if (!done) return alreadyFinished(request, reply);
    return reply.redirect(`/admin/notices/${notice.id}?done=closed`, 303);
  });

  app.get<IdParams>('/:id/withdrawal', async (request, reply) => {
    const notice = await found(request);
    if (!notice) return renderError(request, reply, 404);
    if (notice.status !== 'published') return alreadyFinished(request, reply);
    return reply.viewAsync('backoffice/notices/withdrawal', { title: 'Отозвать объявление', notice, reason: '', errors: {} });
  });

  app.post<IdParams>('/:id/withdrawal', async (request, reply) => {
    const notice = await found(request);
    if (!notice) return renderError(request, reply, 404);
    const reason = field(request.body, 'reason').trim();
    const error = reason === '' ? 'Укажите причину отзыва' : reason.length > 500 ? 'Не длиннее 500 символов' : null;
    if (error) return reply.code(422).viewAsync('backoffice/notices/withdrawal', { title: 'Отозвать объявление', notice, reason, errors: { reason: error } });
    const done = await db.transaction().execute((trx) => withdrawNotice(trx, notice.id, reason, actor(request)));
    if (!done) return alreadyFinished(request, reply);
    return reply.redirect(`/admin/notices/${notice.id}?done=withdrawn`, 303);
  });
};

export default noticeRoutes;
