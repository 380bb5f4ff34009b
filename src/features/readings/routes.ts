import type { FastifyPluginAsync } from 'fastify';
import { readTogether } from '../../db/together.js';
import { renderError } from '../../plugins/errors.js';
import { field, parseId, textFields } from '../../security/input.js';
import { accessibleAccountIds, accessibleAccountsQuery, toAccessibleAccounts, accountFor, accountInUrl, can, type AccessibleAccount } from '../accounts/access.js';
import { meterHistory, meterList, meterPanelReads, meterPanels, panelsByAccount, submitReadings, type MeterPanel } from './service.js';
import { signedInResident } from '../../plugins/auth.js';

// «Показания»: one form per linked account, a history per meter. Mounted behind requireResident.

type AccountView = {
  account: AccessibleAccount;
  meters: MeterPanel[];
  canSubmit: boolean;
  errors: Record<string, string>;
  values: Record<string, string>;
  needsConfirmation: boolean;
  confirmMeters: number[];
  sent: boolean;
};

function accountView(account: AccessibleAccount, meters: MeterPanel[], extra: Partial<AccountView> = {}): AccountView {
  return { account, meters, canSubmit: can(account.rights, 'submit-readings'), errors: {}, values: {}, needsConfirmation: false, confirmMeters: [], sent: false, ...extra };
}

type AccountParams = { Params: { accountId: string } };

const readings: FastifyPluginAsync = async (app) => {
  app.get('/readings', async (request, reply) => {
    const residentId = signedInResident(request).id;
    const today = app.clock.today();
    // The accounts and all their meters in one round trip.
    const read = await readTogether(app.db, {
      accounts: accessibleAccountsQuery(app.db, residentId),
      ...meterPanelReads(app.db, accessibleAccountIds(app.db, residentId), today),
    });
    const accounts = toAccessibleAccounts(read.accounts);
    const panels = panelsByAccount(read, today);
    const sent = parseId(field(request.query, 'sent'));
    const views = accounts.map((a) => accountView(a, panels.get(a.id) ?? [], { sent: a.id === sent }));
    return reply.viewAsync('readings/index', { section: '/readings', accounts: views });
  });

  app.get<AccountParams>('/readings/accounts/:accountId', async (request, reply) => {
    const account = await accountInUrl(app.db, signedInResident(request).id, request.params.accountId);
    if (!account) return renderError(request, reply, 404);
    const meters = await meterPanels(app.db, account.id, app.clock.today());
    return reply.render('readings/account', 'readings/_account', { section: '/readings', ...accountView(account, meters), allMeters: await meterList(app.db, account.id) });
  });

  app.post<AccountParams>('/readings/accounts/:accountId', { config: { rateLimit: { max: 30, timeWindow: '1 hour' } } }, async (request, reply) => {
    const account = await accountInUrl(app.db, signedInResident(request).id, request.params.accountId);
    if (!account) return renderError(request, reply, 404);
    if (!can(account.rights, 'submit-readings')) return renderError(request, reply, 403, 'Передавать показания может только владелец лицевого счёта.');
    const form = textFields(request.body);
    const today = app.clock.today();
    const result = await app.db.transaction().execute((trx) =>
      submitReadings(trx, { accountId: account.id, residentId: signedInResident(request).id, today, now: app.clock.now(), form, confirmed: form.confirm === 'yes' }),
    );
    if (result.ok && !request.wantsFragment) return reply.redirect(`/readings?sent=${account.id}#account-${account.id}`, 303);
    const meters = await meterPanels(app.db, account.id, today);
    // htmx swaps the account's section in place. Not a 303: fetch would follow it with
    // HX-Request-Type still set, to /readings, which has no fragment of one account.
    if (result.ok) return reply.viewAsync('readings/_account', accountView(account, meters, { sent: true }));
    reply.code(422);
    return reply.render('readings/account', 'readings/_account', {
      section: '/readings',
      ...accountView(account, meters, { errors: result.errors, values: form, needsConfirmation: result.needsConfirmation, confirmMeters: result.confirmMeters }),
      allMeters: await meterList(app.db, account.id),
    });
  });

  app.get<{ Params: { meterId: string } }>('/readings/meters/:meterId', async (request, reply) => {
    const meterId = parseId(request.params.meterId);
    const history = meterId === null ? null : await meterHistory(app.db, meterId);
    const account = history && (await accountFor(app.db, signedInResident(request).id, history.accountId));
    if (!history || !account) return renderError(request, reply, 404);
    return reply.viewAsync('readings/meter', { section: '/readings', account, history });
  });
};

export default readings;
