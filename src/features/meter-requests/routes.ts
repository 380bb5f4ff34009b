import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { renderError } from '../../plugins/errors.js';
import { field, parseId } from '../../security/input.js';
import { signedInResident } from '../../plugins/auth.js';
import { csrfTokenValid } from '../../plugins/csrf.js';
import { accountInUrl, can, type AccessibleAccount } from '../accounts/access.js';
import { RESOURCES } from '../readings/meters.js';
import { RESOURCE_NAMES } from '../readings/rules.js';
import { sendDocumentFile } from '../identity/files.js';
import { uploadDir } from '../identity/service.js';
import { acceptUploads, documentForm, receiveFiles } from '../identity/upload.js';
import { fileMeterRequest, meterRequest, meterRequestCertificate, meterRequestsOf, waitingResources, withdrawMeterRequest, workingMeters } from './service.js';
import { WAITING, validateMeterRequest, type MeterRequestForm } from './rules.js';

// «Заявка на регистрацию счётчика» (from «Показания»): the owner of an account asks
// to register a new meter or a passed verification, with the certificate; the
// account's requests and their status are listed on the same page. Mounted behind
// requireResident.

const FIELDS = ['kind', 'resource', 'meterId', 'zones', 'serialNumber', 'datedOn', 'nextVerificationDate', 'initial1', 'initial2', 'initial3'] as const;
const CERTIFICATE_FORM = documentForm('certificate', FIELDS);
const OWNER_ONLY = 'Регистрировать счётчики может только владелец лицевого счёта.';

type AccountParams = { Params: { accountId: string } };
type RequestParams = { Params: { accountId: string; requestId: string } };

const EMPTY_FORM: MeterRequestForm = { kind: '', resource: '', meterId: '', zones: '1', serialNumber: '', datedOn: '', nextVerificationDate: '', initial: [] };

const meterRequests: FastifyPluginAsync = async (app) => {
  const dir = uploadDir(app.config);
  await acceptUploads(app);

  async function accountOf(request: FastifyRequest<AccountParams>) {
    return accountInUrl(app.db, signedInResident(request).id, request.params.accountId);
  }

  async function show(request: FastifyRequest, reply: FastifyReply, account: AccessibleAccount, extra: { form?: MeterRequestForm; errors?: Record<string, string> } = {}) {
    const [meters, requests] = await Promise.all([workingMeters(app.db, account.id), meterRequestsOf(app.db, account.id)]);
    return reply.viewAsync('meter-requests/index', {
      section: '/readings',
      account,
      canFile: can(account.rights, 'submit-readings'),
      resources: RESOURCES.map((r) => ({ value: r, label: RESOURCE_NAMES[r] })),
      meters: meters.map((m) => ({ value: String(m.id), label: `${RESOURCE_NAMES[m.resource]}, № ${m.serialNumber}` })),
      requests,
      sent: field(request.query, 'sent') === '1',
      withdrawn: field(request.query, 'withdrawn') === '1',
      form: EMPTY_FORM,
      errors: {},
      ...extra,
    });
  }

  app.get<AccountParams>('/readings/accounts/:accountId/meter-requests', async (request, reply) => {
    const account = await accountOf(request);
    if (!account) return renderError(request, reply, 404);
    return show(request, reply, account);
  });

  // The CSRF token is the multipart body's first field; no file is written before it checks out.
  app.post<AccountParams>('/readings/accounts/:accountId/meter-requests', { config: { csrf: false, rateLimit: { max: 20, timeWindow: '1 hour' } } }, async (request, reply) => {
    const account = await accountOf(request);
    if (!account) return renderError(request, reply, 404);
    if (!can(account.rights, 'submit-readings')) return renderError(request, reply, 403, OWNER_ONLY);
    const received = await receiveFiles(request, dir, (token) => csrfTokenValid(request, token), CERTIFICATE_FORM);
    if (!received.csrfValid) return await renderError(request, reply, 403, 'Страница устарела. Обновите её и повторите действие.');
    const f = received.fields;
    const form: MeterRequestForm = {
      kind: f.kind ?? '',
      resource: f.resource ?? '',
      meterId: f.meterId ?? '',
      zones: f.zones || '1',
      serialNumber: f.serialNumber ?? '',
      datedOn: f.datedOn ?? '',
      nextVerificationDate: f.nextVerificationDate ?? '',
      initial: [f.initial1 ?? '', f.initial2 ?? '', f.initial3 ?? ''],
    };
    const checked = validateMeterRequest(form, await workingMeters(app.db, account.id), await waitingResources(app.db, account.id), app.clock.today());
    const errors = checked.ok ? {} : { ...checked.errors };
    let certificateError = received.fileError;
    if (!certificateError && received.files.length === 0) certificateError = 'Приложите свидетельство о поверке: скан или фотографию в формате JPEG, PNG или PDF.';
    if (!certificateError && received.files.length > 1) certificateError = 'Приложите один файл.';
    if (certificateError) Object.assign(errors, { certificate: certificateError });
    if (!checked.ok || certificateError) {
      reply.code(received.tooLarge ? 413 : 422);
      return await show(request, reply, account, { form, errors });
    }
    const filed = await fileMeterRequest(app.db, { accountId: account.id, residentId: signedInResident(request).id, request: checked.request, certificate: received.files[0]!, now: app.clock.now() });
    if (filed === 'waiting') {
      reply.code(409);
      return await show(request, reply, account, { form, errors: { [checked.request.kind === 'new' ? 'resource' : 'meterId']: WAITING } });
    }
    return reply.redirect(`/readings/accounts/${account.id}/meter-requests?sent=1`, 303);
  });

  /** The owner's account and its request named in the URL; null when either is not theirs. */
  async function ownRequest(request: FastifyRequest<RequestParams>) {
    const account = await accountInUrl(app.db, signedInResident(request).id, request.params.accountId);
    const id = parseId(request.params.requestId);
    const found = account && id !== null ? await meterRequest(app.db, id) : null;
    return account && found?.accountId === account.id ? { account, found } : null;
  }

  // Withdrawing a waiting request: a confirmation page first, so it works without JavaScript.
  app.get<RequestParams>('/readings/accounts/:accountId/meter-requests/:requestId/withdraw', async (request, reply) => {
    const own = await ownRequest(request);
    if (!own) return renderError(request, reply, 404);
    if (!can(own.account.rights, 'submit-readings')) return renderError(request, reply, 403, OWNER_ONLY);
    if (own.found.status !== 'pending') return reply.redirect(`/readings/accounts/${own.account.id}/meter-requests`, 303);
    return reply.viewAsync('meter-requests/withdraw', { section: '/readings', account: own.account, request: own.found });
  });

  app.post<RequestParams>('/readings/accounts/:accountId/meter-requests/:requestId/withdraw', async (request, reply) => {
    const own = await ownRequest(request);
    if (!own) return renderError(request, reply, 404);
    if (!can(own.account.rights, 'submit-readings')) return renderError(request, reply, 403, OWNER_ONLY);
    const input = { id: own.found.id, accountId: own.account.id, residentId: signedInResident(request).id, now: app.clock.now(), ip: request.ip };
    const result = await app.db.transaction().execute((trx) => withdrawMeterRequest(trx, input));
    if (result === 'not-found') return renderError(request, reply, 404);
    if (result === 'already-decided') return renderError(request, reply, 409, 'Заявку уже рассмотрел сотрудник: отозвать её нельзя. Решение указано в списке заявок.');
    return reply.redirect(`/readings/accounts/${own.account.id}/meter-requests?withdrawn=1`, 303);
  });

  app.get<RequestParams>('/readings/accounts/:accountId/meter-requests/:requestId/certificate', async (request, reply) => {
    const account = await accountInUrl(app.db, signedInResident(request).id, request.params.accountId);
    const requestId = parseId(request.params.requestId);
    const certificate = account && requestId !== null ? await meterRequestCertificate(app.db, requestId, { accountId: account.id }) : null;
    if (!certificate) return renderError(request, reply, 404);
    return sendDocumentFile(request, reply, certificate);
  });
};

export default meterRequests;
