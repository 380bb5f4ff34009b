import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { renderError } from '../../plugins/errors.js';
import { field, parseId } from '../../security/input.js';
import { overLimit, tooManyAttempts } from '../../security/rate-limits.js';
import { identityConfirmed } from '../identity/service.js';
import { accessibleAccounts } from '../accounts/access.js';
import { REGISTRY_CHECK_LIMITS } from './rules.js';
import { hideLink, linksOf, providerList, requestLink, validateLinkForm, withdrawLink, type LinkForm, type LinkFormErrors } from './service.js';
import { signedInResident } from '../../plugins/auth.js';

// «Услуги» → «Оплата ЖКХ» → «Подключить». Mounted behind requireResident.

function formFrom(body: unknown): LinkForm {
  return {
    payerCode: field(body, 'payerCode'),
    providerId: field(body, 'providerId'),
    flat: field(body, 'flat'),
    consent: field(body, 'consent') === 'yes',
  };
}

type LinkParams = { Params: { id: string } };

const services: FastifyPluginAsync = async (app) => {
  app.get('/services', async (request, reply) => {
    const links = await linksOf(app.db, signedInResident(request).id);
    const shared = (await accessibleAccounts(app.db, signedInResident(request).id)).filter((a) => a.rights !== 'owner');
    return reply.viewAsync('linking/index', { section: '/services', links, shared, sent: field(request.query, 'sent') === '1', withdrawn: field(request.query, 'done') === 'withdrawn' });
  });

  const showForm = async (request: FastifyRequest, form: LinkForm, errors: LinkFormErrors = {}) => ({
    section: '/services',
    confirmed: identityConfirmed(signedInResident(request)),
    providers: await providerList(app.db),
    form,
    errors,
    hasOwner: null,
  });

  app.get('/services/utilities/new', async (request, reply) =>
    reply.viewAsync('linking/new', await showForm(request, formFrom(undefined))),
  );

  // Registry checks have limits of their own (REGISTRY_CHECK_LIMITS); this only caps the form's traffic.
  app.post('/services/utilities/new', { config: { rateLimit: { max: 100, timeWindow: '1 hour' } } }, async (request, reply) => {
    const form = formFrom(request.body);
    const resident = signedInResident(request);
    if (!identityConfirmed(resident)) {
      return reply.code(403).viewAsync('linking/new', await showForm(request, form));
    }
    const data = await showForm(request, form);
    const errors = validateLinkForm(form, data.providers);
    if (Object.keys(errors).length > 0) return reply.code(422).viewAsync('linking/new', { ...data, errors });
    const now = app.clock.now();
    const limits = REGISTRY_CHECK_LIMITS;
    const waitMs = await overLimit(app.db, [[limits.perResident, String(resident.id)], [limits.perIp, request.ip]], now);
    if (waitMs !== null) {
      const message = tooManyAttempts(reply, waitMs, 'Слишком много проверок номера лицевого счёта.');
      return reply.viewAsync('linking/new', { ...data, errors: { payerCode: message } });
    }
    const result = await app.db.transaction().execute((trx) => requestLink(trx, { residentId: resident.id, form, now }));
    switch (result.kind) {
      case 'filed':
        return reply.redirect('/services?sent=1', 303);
      case 'invalid':
        return reply.code(422).viewAsync('linking/new', { ...data, errors: result.errors });
      case 'duplicate':
        return reply.code(422).viewAsync('linking/new', {
          ...data,
          errors: { payerCode: 'Этот лицевой счёт уже подключён или заявка на его подключение на рассмотрении' },
        });
      case 'has-owner':
        return reply.code(409).viewAsync('linking/new', { ...data, hasOwner: { provider: result.provider, email: resident.email } });
    }
  });

  app.post<LinkParams>('/services/utilities/:id/withdrawal', async (request, reply) => {
    const linkId = parseId(request.params.id);
    const done = linkId !== null && (await app.db.transaction().execute((trx) => withdrawLink(trx, { residentId: signedInResident(request).id, linkId, now: app.clock.now() })));
    if (!done) return renderError(request, reply, 404);
    return reply.redirect('/services?done=withdrawn', 303);
  });

  app.post<LinkParams>('/services/utilities/:id/hiding', async (request, reply) => {
    const linkId = parseId(request.params.id);
    const done = linkId !== null && (await app.db.transaction().execute((trx) => hideLink(trx, { residentId: signedInResident(request).id, linkId, now: app.clock.now() })));
    if (!done) return renderError(request, reply, 404);
    return reply.redirect('/services', 303);
  });
};

export default services;
