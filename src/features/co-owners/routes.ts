import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { renderError } from '../../plugins/errors.js';
import { field, parseId } from '../../security/input.js';
import { accessibleAccounts, accountInUrl, can } from '../accounts/access.js';
import { accept, findInvitation, grantsOf, invite, invitedMatches, revoke, validateInvite, type InviteErrors, type InviteForm } from './service.js';
import { signedInResident } from '../../plugins/auth.js';
import { identityConfirmed } from '../identity/service.js';

// «Совладельцы». The owner's pages are mounted behind requireResident; the
// invitation link (coOwnerInvitation) is public, so an invitee can sign up or
// sign in first and come back.

declare module 'fastify' {
  interface Session {
    /** An invitation waiting for the invitee's identity to be confirmed; «Подтверждение личности» leads back to it. */
    invitationToken?: string;
  }
}

type AccountParams = { Params: { accountId: string } };
type GrantParams = { Params: { grantId: string } };

const coOwners: FastifyPluginAsync = async (app) => {
  async function ownedAccounts(request: FastifyRequest) {
    return (await accessibleAccounts(app.db, signedInResident(request).id)).filter((a) => can(a.rights, 'invite'));
  }

  app.get('/co-owners', async (request, reply) => {
    const accounts = await accessibleAccounts(app.db, signedInResident(request).id);
    const owned = accounts.filter((a) => can(a.rights, 'invite'));
    const grants = await grantsOf(app.db, owned.map((a) => a.id), app.clock.now());
    const done = field(request.query, 'done');
    return reply.viewAsync('co-owners/index', {
      section: '/co-owners',
      owned: owned.map((account) => ({ account, grants: grants.filter((g) => g.accountId === account.id) })),
      shared: accounts.filter((a) => !can(a.rights, 'invite')),
      done: done === 'invited' || done === 'revoked' ? done : null,
    });
  });

  async function ownedAccount(request: FastifyRequest<AccountParams>) {
    const account = await accountInUrl(app.db, signedInResident(request).id, request.params.accountId);
    return account && can(account.rights, 'invite') ? account : null;
  }

  const showInviteForm = (reply: FastifyReply, account: object, form: InviteForm, errors: InviteErrors = {}) =>
    reply.viewAsync('co-owners/new', { section: '/co-owners', account, form, errors });

  app.get<AccountParams>('/co-owners/accounts/:accountId/invitations/new', async (request, reply) => {
    const account = await ownedAccount(request);
    if (!account) return renderError(request, reply, 404);
    return showInviteForm(reply, account, { email: '', rights: 'view' });
  });

  app.post<AccountParams>('/co-owners/accounts/:accountId/invitations', { config: { rateLimit: { max: 20, timeWindow: '1 hour' } } }, async (request, reply) => {
    const account = await ownedAccount(request);
    if (!account) return renderError(request, reply, 404);
    const form = { email: field(request.body, 'email'), rights: field(request.body, 'rights') };
    const errors = validateInvite(form, signedInResident(request).email);
    if (Object.keys(errors).length > 0) return showInviteForm(reply.code(422), account, form, errors);
    const result = await app.db.transaction().execute((trx) =>
      invite(trx, {
        accountId: account.id,
        payerCode: account.payerCode,
        address: `${account.address}, кв. ${account.flat}`,
        residentId: signedInResident(request).id,
        form,
        now: app.clock.now(),
        publicUrl: app.config.publicUrl,
      }),
    );
    if (!result.ok) return showInviteForm(reply.code(422), account, form, result.errors);
    return reply.redirect('/co-owners?done=invited', 303);
  });

  async function ownedGrant(request: FastifyRequest<GrantParams>) {
    const grantId = parseId(request.params.grantId);
    if (grantId === null) return null;
    const owned = await ownedAccounts(request);
    const grant = (await grantsOf(app.db, owned.map((a) => a.id), app.clock.now())).find((g) => g.id === grantId);
    return grant ? { grant, account: owned.find((a) => a.id === grant.accountId)!, owned } : null;
  }

  app.get<GrantParams>('/co-owners/grants/:grantId/revocation', async (request, reply) => {
    const found = await ownedGrant(request);
    if (!found) return renderError(request, reply, 404);
    return reply.viewAsync('co-owners/revoke', { section: '/co-owners', ...found });
  });

  app.post<GrantParams>('/co-owners/grants/:grantId/revocation', async (request, reply) => {
    const found = await ownedGrant(request);
    if (!found) return renderError(request, reply, 404);
    await app.db.transaction().execute((trx) =>
      revoke(trx, { grantId: found.grant.id, ownedAccountIds: found.owned.map((a) => a.id), now: app.clock.now() }),
    );
    return reply.redirect('/co-owners?done=revoked', 303);
  });
};

export function invitationPath(token: string): string {
  return `/co-owners/invitation?token=${encodeURIComponent(token)}`;
}

export const coOwnerInvitation: FastifyPluginAsync = async (app) => {
  app.get('/co-owners/invitation', async (request, reply) => {
    const token = field(request.query, 'token');
    const invitation = await findInvitation(app.db, token, app.clock.now());
    reply.header('Cache-Control', 'no-store');
    if (!invitation) return reply.code(404).viewAsync('co-owners/invitation', { invitation: null });
    const here = invitationPath(token);
    const matches = request.resident ? invitedMatches(invitation, request.resident.email) : false;
    const needsIdentity = matches && request.resident !== null && !identityConfirmed(request.resident);
    if (needsIdentity) request.session.invitationToken = token;
    return reply.viewAsync('co-owners/invitation', {
      needsIdentity,
      invitation,
      token,
      loginUrl: `/login?next=${encodeURIComponent(here)}`,
      registerUrl: `/register?next=${encodeURIComponent(here)}`,
      matches,
    });
  });

  app.post('/co-owners/invitation', { config: { rateLimit: { max: 20, timeWindow: '1 hour' } } }, async (request, reply) => {
    const token = field(request.body, 'token');
    if (!request.resident) {
      return reply.redirect(`/login?next=${encodeURIComponent(invitationPath(token))}`, 303);
    }
    const resident = request.resident;
    const result = await app.db.transaction().execute((trx) =>
      accept(trx, { token, residentId: resident.id, residentEmail: resident.email, now: app.clock.now() }),
    );
    if (result === 'accepted') {
      request.session.invitationToken = undefined;
      return reply.redirect('/co-owners', 303);
    }
    if (result === 'unconfirmed') {
      request.session.invitationToken = token;
      const invitation = await findInvitation(app.db, token, app.clock.now());
      return reply.code(403).viewAsync('co-owners/invitation', { invitation, token, matches: true, needsIdentity: true });
    }
    if (result === 'wrong-person') {
      return renderError(request, reply, 403, 'Приглашение отправлено на другой адрес электронной почты. Войдите с тем адресом, на который пришло письмо.');
    }
    return reply.code(404).viewAsync('co-owners/invitation', { invitation: null });
  });
};

export default coOwners;
