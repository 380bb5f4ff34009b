import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { rublesInput } from '../../lib/decimal.js';
import { signedInResident } from '../../plugins/auth.js';
import { renderError } from '../../plugins/errors.js';
import { field, parseId } from '../../security/input.js';
import { accessibleAccounts, can, type AccessibleAccount } from '../accounts/access.js';
import { SET_BY_ANOTHER, checkSettings, mayChangeAutopayment, type SettingsErrors, type SettingsForm } from './rules.js';
import { autopaymentOf, cancelAutopayment, saveAutopayment, savedCards, type AccountAutopayment, type SavedCard } from './service.js';

type AccountQuery = { Querystring: { account?: string; done?: string } };
type Form = SettingsForm & { card: string };
type Errors = SettingsErrors & { card?: string };

/** «Автоплатёж» of an account: the settings form, its change and its cancellation. */
const autopayment: FastifyPluginAsync = async (app) => {
  const { db, clock } = app;

  /** The resident's accounts and the one named (or the first they may pay); undefined when not theirs. */
  async function scoped(request: FastifyRequest, rawAccount: string | undefined) {
    const resident = signedInResident(request);
    const accounts = await accessibleAccounts(db, resident.id);
    const named = rawAccount !== undefined && rawAccount !== '';
    const id = named ? parseId(rawAccount) : null;
    const account = named ? accounts.find((a) => a.id === id) : (accounts.find((a) => can(a.rights, 'pay')) ?? accounts[0]);
    return { resident, accounts, account };
  }

  async function showPage(
    reply: FastifyReply,
    page: { accounts: AccessibleAccount[]; account: AccessibleAccount | undefined; residentId: number },
    form: Form | null,
    errors: Errors,
    status = 200,
    done: string | null = null,
  ) {
    const { account } = page;
    const mayPay = account !== undefined && can(account.rights, 'pay');
    const current: AccountAutopayment | null = account ? await autopaymentOf(db, account.id, page.residentId) : null;
    const mayChange = account !== undefined && mayChangeAutopayment(account.rights, current);
    const cards: SavedCard[] = mayChange ? await savedCards(db, page.residentId) : [];
    const shown: Form = form ?? {
      chargeDay: current ? String(current.chargeDay) : '',
      maxAmount: current ? rublesInput(current.maxKopecks) : '',
      card: current?.setBySelf ? String(current.tokenPaymentId) : String(cards[0]?.paymentId ?? ''),
    };
    return reply.code(status).viewAsync('autopayment/index', {
      section: '/payments',
      title: 'Автоплатёж',
      accounts: page.accounts,
      account,
      mayPay,
      mayChange,
      setByAnother: SET_BY_ANOTHER,
      current,
      cards,
      form: shown,
      errors,
      done,
      dayOptions: Array.from({ length: 28 }, (_, i) => ({ value: String(i + 1), label: String(i + 1) })),
    });
  }

  app.get<AccountQuery>('/autopayment', async (request, reply) => {
    const { resident, accounts, account } = await scoped(request, request.query.account);
    if (request.query.account !== undefined && !account) return renderError(request, reply, 404);
    const done = request.query.done === 'saved' || request.query.done === 'cancelled' ? request.query.done : null;
    return showPage(reply, { accounts, account, residentId: resident.id }, null, {}, 200, done);
  });

  app.post('/autopayment', async (request, reply) => {
    const { resident, accounts, account } = await scoped(request, field(request.body, 'account'));
    if (!account) return renderError(request, reply, 404);
    if (!can(account.rights, 'pay')) return renderError(request, reply, 403);
    if (!mayChangeAutopayment(account.rights, await autopaymentOf(db, account.id, resident.id))) return renderError(request, reply, 403, SET_BY_ANOTHER);
    const form: Form = { chargeDay: field(request.body, 'chargeDay'), maxAmount: field(request.body, 'maxAmount'), card: field(request.body, 'card') };
    const { errors, settings } = checkSettings(form);
    // Only a card of this resident's own: a token is never taken from someone else's payment.
    const card = (await savedCards(db, resident.id)).find((c) => String(c.paymentId) === form.card);
    const allErrors: Errors = card ? errors : { ...errors, card: 'Выберите сохранённую карту' };
    if (!settings || !card) return showPage(reply, { accounts, account, residentId: resident.id }, form, allErrors, 422);
    await saveAutopayment(db, { accountId: account.id, residentId: resident.id, ...settings, tokenPaymentId: card.paymentId, now: clock.now() });
    return reply.redirect(`/autopayment?account=${account.id}&done=saved`, 303);
  });

  app.get<AccountQuery>('/autopayment/cancel', async (request, reply) => {
    const { resident, account } = await scoped(request, request.query.account);
    if (!account) return renderError(request, reply, 404);
    if (!can(account.rights, 'pay')) return renderError(request, reply, 403);
    const current = await autopaymentOf(db, account.id, resident.id);
    if (!current) return reply.redirect(`/autopayment?account=${account.id}`, 303);
    if (!mayChangeAutopayment(account.rights, current)) return renderError(request, reply, 403, SET_BY_ANOTHER);
    return reply.viewAsync('autopayment/cancel', { section: '/payments', title: 'Отменить автоплатёж', account, current });
  });

  app.post('/autopayment/cancel', async (request, reply) => {
    const { resident, account } = await scoped(request, field(request.body, 'account'));
    if (!account) return renderError(request, reply, 404);
    if (!can(account.rights, 'pay')) return renderError(request, reply, 403);
    if (!mayChangeAutopayment(account.rights, await autopaymentOf(db, account.id, resident.id))) return renderError(request, reply, 403, SET_BY_ANOTHER);
    await cancelAutopayment(db, account.id, clock.now());
    return reply.redirect(`/autopayment?account=${account.id}&done=cancelled`, 303);
  });
};

export default autopayment;
