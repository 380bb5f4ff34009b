import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { renderError } from '../../plugins/errors.js';
import { field } from '../../security/input.js';
import { accessibleAccounts, accountInUrl, can, type AccessibleAccount } from '../accounts/access.js';
import { parseArea, parseResidentsCount } from './rules.js';
import { dwellingOf, requestDwellingChange } from './service.js';
import { signedInResident } from '../../plugins/auth.js';

// Dwelling data per linked account: address (read-only), area and residents count
// from the registry, the owner's requests to change them (decided by staff, applied
// from the next period) and their history. Mounted behind requireResident.

type AccountParams = { Params: { accountId: string } };

const dwelling: FastifyPluginAsync = async (app) => {
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
};

export default dwelling;
