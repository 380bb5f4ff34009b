import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { renderError } from '../../plugins/errors.js';
import { field } from '../../security/input.js';
import { accessibleAccounts, accountInUrl, can, type AccessibleAccount } from '../accounts/access.js';
import { parseArea, parseResidentsCount } from './rules.js';
import { attachDwellingDocument, dwellingDocument, dwellingOf, requestDwellingChange } from './service.js';
import { signedInResident } from '../../plugins/auth.js';
import { csrfTokenValid } from '../../plugins/csrf.js';
import { parseId } from '../../security/input.js';
import { sendDocumentFile } from '../identity/files.js';
import { uploadDir } from '../identity/service.js';
import { acceptUploads, documentForm, receiveFiles } from '../identity/upload.js';

const DWELLING_DOCUMENT_FORM = documentForm('document');

// Dwelling data per linked account: address (read-only), area and residents count
// from the registry, the owner's requests to change them (decided by staff, applied
// from the next period) and their history. Mounted behind requireResident.

type AccountParams = { Params: { accountId: string } };

const dwelling: FastifyPluginAsync = async (app) => {
  // Documents behind requests are received and stored as identity scans are.
  const dir = uploadDir(app.config);
  await acceptUploads(app);

  async function show(request: FastifyRequest, reply: FastifyReply, account: AccessibleAccount, extra: object = {}) {
    const data = await dwellingOf(app.db, account.id, app.clock.today());
    return reply.viewAsync('dwelling/show', {
      section: '/services',
      account,
      dwelling: data,
      canChange: can(account.rights, 'change-dwelling'),
      form: { area: String(data.area).replace('.', ','), residentsCount: String(data.residentsCount), comment: '' },
      errors: {},
      saved: field(request.query, 'saved') === '1',
      attached: field(request.query, 'attached') === '1',
      ...extra,
    });
  }

  async function accountOf(request: FastifyRequest<AccountParams>) {
    return accountInUrl(app.db, signedInResident(request).id, request.params.accountId);
  }

  app.get('/dwelling', async (request, reply) => {
    const accounts = await accessibleAccounts(app.db, signedInResident(request).id);
    return reply.viewAsync('dwelling/index', { section: '/services', accounts });
  });

  app.get<AccountParams>('/dwelling/:accountId', async (request, reply) => {
    const account = await accountOf(request);
    if (!account) return renderError(request, reply, 404);
    return show(request, reply, account);
  });

  app.post<AccountParams>('/dwelling/:accountId', async (request, reply) => {
    const account = await accountOf(request);
    if (!account) return renderError(request, reply, 404);
    if (!can(account.rights, 'change-dwelling')) return renderError(request, reply, 403, 'Менять данные помещения может только владелец лицевого счёта.');
    const form = { area: field(request.body, 'area'), residentsCount: field(request.body, 'residentsCount'), comment: field(request.body, 'comment') };
    const area = parseArea(form.area);
    const residents = parseResidentsCount(form.residentsCount);
    const comment = form.comment.trim();
    const errors = {
      ...(area.ok ? {} : { area: area.error }),
      ...(residents.ok ? {} : { residentsCount: residents.error }),
      ...(comment.length > 500 ? { comment: 'Пояснение — не больше 500 символов' } : {}),
    };
    if (!area.ok || !residents.ok || Object.keys(errors).length > 0) {
      reply.code(422);
      return show(request, reply, account, { form, errors });
    }
    await app.db.transaction().execute((trx) =>
      requestDwellingChange(trx, {
        accountId: account.id,
        residentId: signedInResident(request).id,
        area: area.value,
        residentsCount: residents.value,
        comment,
        today: app.clock.today(),
        now: app.clock.now(),
      }),
    );
    return reply.redirect(`/dwelling/${account.id}?saved=1`, 303);
  });

  // «Приложить документ» to the waiting request. The CSRF token is the multipart body's first field.
  app.post<AccountParams>('/dwelling/:accountId/document', { config: { csrf: false, rateLimit: { max: 20, timeWindow: '10 minutes' } } }, async (request, reply) => {
    const account = await accountOf(request);
    if (!account) return renderError(request, reply, 404);
    if (!can(account.rights, 'change-dwelling')) return renderError(request, reply, 403, 'Менять данные помещения может только владелец лицевого счёта.');
    const received = await receiveFiles(request, dir, (token) => csrfTokenValid(request, token), DWELLING_DOCUMENT_FORM);
    if (!received.csrfValid) return await renderError(request, reply, 403, 'Страница устарела. Обновите её и повторите действие.');
    let error = received.fileError;
    if (!error && received.files.length === 0) error = 'Выберите файл документа: скан или фотографию в формате JPEG, PNG или PDF.';
    if (!error && received.files.length > 1) error = 'Приложите один файл.';
    const outcome = error ? null : await attachDwellingDocument(app.db, { accountId: account.id, file: received.files[0]!, now: app.clock.now() });
    if (outcome === 'no-request') error = 'Нет заявки на рассмотрении: сначала отправьте заявку.';
    if (outcome === 'already-attached') error = 'К заявке уже приложен документ.';
    if (error) {
      reply.code(received.tooLarge ? 413 : 422);
      return await show(request, reply, account, { errors: { document: error } });
    }
    return reply.redirect(`/dwelling/${account.id}?attached=1`, 303);
  });

  app.get<{ Params: { accountId: string; requestId: string } }>('/dwelling/:accountId/requests/:requestId/document', async (request, reply) => {
    const account = await accountInUrl(app.db, signedInResident(request).id, request.params.accountId);
    const requestId = parseId(request.params.requestId);
    const document = account && requestId !== null ? await dwellingDocument(app.db, requestId, { accountId: account.id }) : null;
    if (!document) return renderError(request, reply, 404);
    return sendDocumentFile(request, reply, document);
  });
};

export default dwelling;
