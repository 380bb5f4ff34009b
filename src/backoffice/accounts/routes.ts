import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { renderError } from '../../plugins/errors.js';
import { field, parseId } from '../../security/input.js';
import { accountDetail, searchAccounts, type AccountDetail, type StaffMeter } from './service.js';
import {
  RESOURCES,
  addMeter,
  recordVerification,
  replaceMeter,
  validateAddedMeter,
  validateReplacement,
  validateVerification,
  type NewMeterForm,
  type ReplacementForm,
} from '../../features/readings/meters.js';
import { RESOURCE_NAMES } from '../../features/readings/rules.js';
import { signedInStaff } from '../../plugins/auth.js';
import { readRecordingView, recordStaffView } from '../audit/viewed.js';
import { transferOwnership, validateTransfer, type TransferErrors, type TransferForm } from './ownership.js';

// «Лицевые счета» (/admin/accounts), for moderators and administrators.

type AccountParams = { Params: { id: string; meterId?: string } };

const accountRoutes: FastifyPluginAsync = async (app) => {
  app.get('/accounts', async (request, reply) => {
    const q = field(request.query, 'q').slice(0, 200);
    const page = parseId(field(request.query, 'page')) ?? 1;
    const { accounts, hasNext } = await readRecordingView(app.db, request, { action: 'accounts.searched', details: { q, page } }, searchAccounts(app.db, q, page));
    return reply.viewAsync('backoffice/accounts/index', { title: 'Лицевые счета', q, page, accounts, hasNext });
  });

  async function found(request: FastifyRequest<AccountParams>): Promise<{ account: AccountDetail; meter: StaffMeter | null } | null> {
    const params = request.params;
    const accountId = parseId(params.id);
    const account = accountId === null ? null : await accountDetail(app.db, accountId);
    if (!account) return null;
    const meterId = parseId(params.meterId);
    return { account, meter: meterId === null ? null : (account.meters.find((m) => m.id === meterId && m.active) ?? null) };
  }

  app.get<AccountParams>('/accounts/:id', async (request, reply) => {
    const result = await found(request);
    if (!result) return renderError(request, reply, 404);
    await recordStaffView(app.db, request, { action: 'account.viewed', subjectType: 'payer_account', subjectId: result.account.id });
    return reply.viewAsync('backoffice/accounts/show', {
      title: `Лицевой счёт ${result.account.payerCode}`,
      account: result.account,
      replaced: field(request.query, 'replaced') === '1',
      transferred: field(request.query, 'done') === 'transferred',
      verified: field(request.query, 'verified') === '1',
      added: field(request.query, 'added') === '1',
    });
  });

  // «Добавить счётчик»: only resources without a working meter are offered.
  const showNewMeter = (reply: FastifyReply, account: AccountDetail, form: NewMeterForm, errors: Record<string, string> = {}) => {
    const working = account.meters.filter((m) => m.active).map((m) => m.resource);
    const resources = RESOURCES.filter((r) => !working.includes(r)).map((r) => ({ value: r, label: RESOURCE_NAMES[r] }));
    return reply.viewAsync('backoffice/accounts/new-meter', { title: 'Добавить счётчик', account, resources, form, errors });
  };

  app.get<AccountParams>('/accounts/:id/meters/new', async (request, reply) => {
    const result = await found(request);
    if (!result) return renderError(request, reply, 404);
    return showNewMeter(reply, result.account, { resource: field(request.query, 'resource'), zones: '1', serialNumber: '', installedOn: app.clock.today(), nextVerificationDate: '', initial: [] });
  });

  app.post<AccountParams>('/accounts/:id/meters', async (request, reply) => {
    const result = await found(request);
    if (!result) return renderError(request, reply, 404);
    const { account } = result;
    const form = {
      resource: field(request.body, 'resource'),
      zones: field(request.body, 'zones') || '1',
      serialNumber: field(request.body, 'serialNumber'),
      installedOn: field(request.body, 'installedOn'),
      nextVerificationDate: field(request.body, 'nextVerificationDate'),
      initial: [1, 2, 3].map((z) => field(request.body, `initial${z}`)),
    };
    const working = account.meters.filter((m) => m.active).map((m) => m.resource);
    const checked = validateAddedMeter(form, working, app.clock.today());
    if (!checked.ok) return showNewMeter(reply.code(422), account, form, checked.errors);
    const meterId = await app.db.transaction().execute((trx) => addMeter(trx, { accountId: account.id, staffId: signedInStaff(request).id, meter: checked, ip: request.ip }));
    if (meterId === null) return showNewMeter(reply.code(409), account, form, { resource: 'На лицевом счёте уже есть работающий счётчик этого ресурса' });
    return reply.redirect(`/admin/accounts/${account.id}?added=1`, 303);
  });

  const showReplacement = (reply: FastifyReply, account: AccountDetail, meter: StaffMeter, form: ReplacementForm, errors: Record<string, string> = {}) =>
    reply.viewAsync('backoffice/accounts/replacement', { title: 'Замена счётчика', account, meter, form, errors });

  app.get<AccountParams>('/accounts/:id/meters/:meterId/replacement', async (request, reply) => {
    const result = await found(request);
    if (!result?.meter) return renderError(request, reply, 404);
    return showReplacement(reply, result.account, result.meter, { replacedOn: app.clock.today(), final: [], serialNumber: '', nextVerificationDate: '', initial: [] });
  });

  app.post<AccountParams>('/accounts/:id/meters/:meterId/replacement', async (request, reply) => {
    const result = await found(request);
    if (!result?.meter) return renderError(request, reply, 404);
    const { account, meter } = result;
    const zones = [1, 2, 3].slice(0, meter.zones);
    const form = {
      replacedOn: field(request.body, 'replacedOn'),
      final: zones.map((z) => field(request.body, `final${z}`)),
      serialNumber: field(request.body, 'serialNumber'),
      nextVerificationDate: field(request.body, 'nextVerificationDate'),
      initial: zones.map((z) => field(request.body, `initial${z}`)),
    };
    const today = app.clock.today();
    const checked = validateReplacement(form, meter, today);
    if (!checked.ok) return showReplacement(reply.code(422), account, meter, form, checked.errors);
    const done = await app.db.transaction().execute((trx) =>
      replaceMeter(trx, { ...checked, accountId: account.id, meterId: meter.id, staffId: signedInStaff(request).id, today, now: app.clock.now(), ip: request.ip }),
    );
    if (!done) {
      return reply.code(409).viewAsync('backoffice/accounts/show', { title: `Лицевой счёт ${account.payerCode}`, account, notice: 'Этот счётчик уже заменён.' });
    }
    if (!done.ok) return showReplacement(reply.code(422), account, meter, form, done.errors);
    return reply.redirect(`/admin/accounts/${account.id}?replaced=1`, 303);
  });

  const showVerification = (reply: FastifyReply, account: AccountDetail, meter: StaffMeter, form: { verifiedOn: string; nextVerificationDate: string }, errors: Record<string, string> = {}) =>
    reply.viewAsync('backoffice/accounts/verification', { title: 'Поверка счётчика', account, meter, form, errors });

  app.get<AccountParams>('/accounts/:id/meters/:meterId/verification', async (request, reply) => {
    const result = await found(request);
    if (!result?.meter) return renderError(request, reply, 404);
    return showVerification(reply, result.account, result.meter, { verifiedOn: app.clock.today(), nextVerificationDate: '' });
  });

  app.post<AccountParams>('/accounts/:id/meters/:meterId/verification', async (request, reply) => {
    const result = await found(request);
    if (!result?.meter) return renderError(request, reply, 404);
    const { account, meter } = result;
    const form = { verifiedOn: field(request.body, 'verifiedOn'), nextVerificationDate: field(request.body, 'nextVerificationDate') };
    const checked = validateVerification(form, app.clock.today());
    if (!checked.ok) return showVerification(reply.code(422), account, meter, form, checked.errors);
    const done = await app.db.transaction().execute((trx) =>
      recordVerification(trx, { accountId: account.id, meterId: meter.id, staffId: signedInStaff(request).id, verifiedOn: checked.verifiedOn, next: checked.next, ip: request.ip }),
    );
    if (!done) return renderError(request, reply, 404);
    return reply.redirect(`/admin/accounts/${account.id}?verified=1`, 303);
  });

  const showTransfer = (reply: FastifyReply, account: AccountDetail, form: TransferForm, errors: TransferErrors = {}) =>
    reply.viewAsync('backoffice/accounts/ownership', { title: 'Передать права владельца', account, owner: account.holders.find((h) => h.rights === 'owner') ?? null, form, errors });

  app.get<AccountParams>('/accounts/:id/ownership', async (request, reply) => {
    const result = await found(request);
    if (!result) return renderError(request, reply, 404);
    return showTransfer(reply, result.account, { email: '', reason: '' });
  });

  app.post<AccountParams>('/accounts/:id/ownership', async (request, reply) => {
    const result = await found(request);
    if (!result) return renderError(request, reply, 404);
    const form = { email: field(request.body, 'email'), reason: field(request.body, 'reason') };
    const errors = validateTransfer(form);
    if (Object.keys(errors).length > 0) return showTransfer(reply.code(422), result.account, form, errors);
    const done = await app.db.transaction().execute((trx) =>
      transferOwnership(trx, { accountId: result.account.id, staffId: signedInStaff(request).id, form, now: app.clock.now(), ip: request.ip }),
    );
    if (!done.ok) return showTransfer(reply.code(422), result.account, form, done.errors);
    return reply.redirect(`/admin/accounts/${result.account.id}?done=transferred#owner`, 303);
  });
};

export default accountRoutes;
