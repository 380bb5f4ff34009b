import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { renderError } from '../../plugins/errors.js';
import { field, parseId } from '../../security/input.js';
import { accountDetail, recordVerification, replaceMeter, searchAccounts, validateReplacement, validateVerification, type AccountDetail, type ReplacementForm, type StaffMeter } from './service.js';
import { signedInStaff } from '../../plugins/auth.js';
import { recordStaffView } from '../audit/viewed.js';
import { transferOwnership, validateTransfer, type TransferErrors, type TransferForm } from './ownership.js';

// «Лицевые счета» (/admin/accounts), for moderators and administrators.

type AccountParams = { Params: { id: string; meterId?: string } };

const accountRoutes: FastifyPluginAsync = async (app) => {
  app.get('/accounts', async (request, reply) => {
    const q = field(request.query, 'q').slice(0, 200);
    const page = parseId(field(request.query, 'page')) ?? 1;
    const { accounts, hasNext } = await searchAccounts(app.db, q, page);
    await recordStaffView(app.db, request, { action: 'accounts.searched', details: { q, page } });
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
    });
  });

  const showReplacement = (reply: FastifyReply, account: AccountDetail, meter: StaffMeter, form: ReplacementForm, errors: Record<string, string> = {}) =>
    reply.viewAsync('backoffice/accounts/replacement', { title: 'Замена счётчика', account, meter, form, errors });

  app.get<AccountParams>('/accounts/:id/meters/:meterId/replacement', async (request, reply) => {
    const result = await found(request);
    if (!result?.meter) return renderError(request, reply, 404);
    return showReplacement(reply, result.account, result.meter, { serialNumber: '', nextVerificationDate: '', initial: [] });
  });

  app.post<AccountParams>('/accounts/:id/meters/:meterId/replacement', async (request, reply) => {
    const result = await found(request);
    if (!result?.meter) return renderError(request, reply, 404);
    const { account, meter } = result;
    const form = {
      serialNumber: field(request.body, 'serialNumber'),
      nextVerificationDate: field(request.body, 'nextVerificationDate'),
      initial: [1, 2, 3].slice(0, meter.zones).map((z) => field(request.body, `initial${z}`)),
    };
    const today = app.clock.today();
    const checked = validateReplacement(form, meter.zones, today);
    if (!checked.ok) return showReplacement(reply.code(422), account, meter, form, checked.errors);
    const done = await app.db.transaction().execute((trx) =>
      replaceMeter(trx, {
        accountId: account.id,
        meterId: meter.id,
        staffId: signedInStaff(request).id,
        serialNumber: checked.serialNumber,
        initial: checked.initial,
        nextVerificationDate: checked.nextVerificationDate,
        today,
        ip: request.ip,
      }),
    );
    if (!done.ok) {
      return reply.code(409).viewAsync('backoffice/accounts/show', { title: `Лицевой счёт ${account.payerCode}`, account, notice: 'Этот счётчик уже заменён.' });
    }
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
