import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { field } from '../../security/input.js';
import { identityConfirmed } from '../identity/service.js';
import { accessibleAccounts } from '../accounts/access.js';
import { linksOf, providerList, requestLink, validateLinkForm, type LinkForm, type LinkFormErrors } from './service.js';
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

const services: FastifyPluginAsync = async (app) => {
  app.get('/services', async (request, reply) => {
    const links = await linksOf(app.db, signedInResident(request).id);
    const shared = (await accessibleAccounts(app.db, signedInResident(request).id)).filter((a) => a.rights !== 'owner');
    return reply.viewAsync('linking/index', { section: '/services', links, shared, sent: field(request.query, 'sent') === '1' });
  });

  const showForm = async (request: FastifyRequest, form: LinkForm, errors: LinkFormErrors = {}) => ({
    section: '/services',
    confirmed: identityConfirmed(signedInResident(request)),
    providers: await providerList(app.db),
    form,
    errors,
  });

  app.get('/services/utilities/new', async (request, reply) =>
    reply.viewAsync('linking/new', await showForm(request, formFrom(undefined))),
  );

  app.post('/services/utilities/new', { config: { rateLimit: { max: 20, timeWindow: '1 hour' } } }, async (request, reply) => {
    const form = formFrom(request.body);
    if (!identityConfirmed(signedInResident(request))) {
      return reply.code(403).viewAsync('linking/new', await showForm(request, form));
    }
    const data = await showForm(request, form);
    const errors = validateLinkForm(form, data.providers);
    if (Object.keys(errors).length > 0) return reply.code(422).viewAsync('linking/new', { ...data, errors });
    const result = await requestLink(app.db, { residentId: signedInResident(request).id, form, now: app.clock.now() });
    if (!result.ok) {
      return reply.code(422).viewAsync('linking/new', {
        ...data,
        errors: { payerCode: 'Этот лицевой счёт уже подключён или заявка на его подключение на рассмотрении' },
      });
    }
    return reply.redirect('/services?sent=1', 303);
  });
};

export default services;
