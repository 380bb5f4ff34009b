import t from 'tap';
import { testApp } from '../fixtures/app.js';
import { signedIn } from '../fixtures/sessions.js';

/**
 * Every route the app registers, with who may call it and whether an unsafe method
 * needs the CSRF token. A route added without a line here fails this test; each line
 * is then checked against what the app really does.
 *   public: anyone · resident: a signed-in resident (others go to /login)
 *   staff: any signed-in staff member · staff:<roles>: staff holding one of the roles (others get 403)
 *   csrf: the CSRF plugin checks the token · csrf-in-body: a multipart upload whose handler checks
 *   the token as the body's first part (test/features/identity/upload.test.ts refuses a forged one)
 *   signed: no CSRF token, another server posts it; the HMAC-SHA256 signature of the body is checked
 *   (test/features/payments/notifications.test.ts refuses a bad one with 400)
 *   merchant-auth: the sandbox acquirer's API for the merchant's server, Basic credentials, no CSRF token
 */
const INVENTORY: Record<string, string> = {
  'GET /healthz': 'public -',
  'GET /dev/mailbox': 'public -',
  'GET /dev/mailbox/:id': 'public -',
  'GET /': 'public -',
  'GET /register': 'public -',
  'POST /register': 'public csrf',
  'GET /register/sent': 'public -',
  'POST /register/resend': 'public csrf',
  'GET /register/confirm': 'public -',
  'POST /register/confirm': 'public csrf',
  'GET /login': 'public -',
  'POST /login': 'public csrf',
  'GET /login/code': 'public -',
  'POST /login/code/send': 'public csrf',
  'POST /login/code': 'public csrf',
  'GET /password-reset': 'public -',
  'POST /password-reset': 'public csrf',
  'GET /password-reset/sent': 'public -',
  'GET /password-reset/new': 'public -',
  'POST /password-reset/new': 'public csrf',
  'POST /logout': 'public csrf',
  'GET /terms': 'public -',
  'GET /email-change/confirm': 'public -',
  'POST /email-change/confirm': 'public csrf',
  'GET /profile': 'resident -',
  'GET /profile/phone': 'resident -',
  'POST /profile/phone': 'resident csrf',
  'GET /profile/phone/confirm': 'resident -',
  'POST /profile/phone/confirm': 'resident csrf',
  'GET /profile/email': 'resident -',
  'POST /profile/email': 'resident csrf',
  'GET /profile/password': 'resident -',
  'POST /profile/password': 'resident csrf',
  'POST /profile/sessions/:handle/end': 'resident csrf',
  'GET /co-owners/invitation': 'public -',
  'POST /co-owners/invitation': 'resident csrf',
  'GET /identity': 'resident -',
  'POST /identity': 'resident csrf-in-body',
  'GET /identity/documents/:id': 'resident -',
  'GET /services': 'resident -',
  'GET /services/utilities/new': 'resident -',
  'POST /services/utilities/new': 'resident csrf',
  'GET /dwelling': 'resident -',
  'GET /dwelling/:accountId': 'resident -',
  'POST /dwelling/:accountId': 'resident csrf',
  'POST /dwelling/:accountId/document': 'resident csrf-in-body',
  'GET /dwelling/:accountId/requests/:requestId/document': 'resident -',
  'GET /readings': 'resident -',
  'GET /readings/accounts/:accountId': 'resident -',
  'POST /readings/accounts/:accountId': 'resident csrf',
  'GET /readings/accounts/:accountId/meter-requests': 'resident -',
  'POST /readings/accounts/:accountId/meter-requests': 'resident csrf-in-body',
  'GET /readings/accounts/:accountId/meter-requests/:requestId/certificate': 'resident -',
  'GET /readings/accounts/:accountId/meter-requests/:requestId/withdraw': 'resident -',
  'POST /readings/accounts/:accountId/meter-requests/:requestId/withdraw': 'resident csrf',
  'GET /readings/meters/:meterId': 'resident -',
  'GET /co-owners': 'resident -',
  'GET /co-owners/accounts/:accountId/invitations/new': 'resident -',
  'POST /co-owners/accounts/:accountId/invitations': 'resident csrf',
  'GET /co-owners/grants/:grantId/revocation': 'resident -',
  'POST /co-owners/grants/:grantId/revocation': 'resident csrf',
  'GET /admin/login': 'public -',
  'POST /admin/login': 'public csrf',
  'GET /admin/login/code': 'public -',
  'POST /admin/login/code': 'public csrf',
  'POST /admin/login/code/resend': 'public csrf',
  'POST /admin/logout': 'public csrf',
  'GET /admin/invitation': 'public -',
  'POST /admin/invitation': 'public csrf',
  'GET /admin': 'staff -',
  'GET /admin/account/totp': 'staff -',
  'POST /admin/account/totp/key': 'staff csrf',
  'POST /admin/account/totp': 'staff csrf',
  'POST /admin/account/totp/removal': 'staff csrf',
  'GET /admin/staff': 'staff:admin -',
  'GET /admin/staff/new': 'staff:admin -',
  'POST /admin/staff': 'staff:admin csrf',
  'GET /admin/staff/:id': 'staff:admin -',
  'POST /admin/staff/:id/roles': 'staff:admin csrf',
  'POST /admin/staff/:id/invitation': 'staff:admin csrf',
  'POST /admin/staff/:id/totp-removal': 'staff:admin csrf',
  'GET /admin/staff/:id/deactivation': 'staff:admin -',
  'POST /admin/staff/:id/deactivation': 'staff:admin csrf',
  'GET /admin/audit': 'staff:admin -',
  'GET /admin/audit/export.csv': 'staff:admin -',
  'GET /admin/documents': 'staff:moderator -',
  'GET /admin/documents/:id': 'staff:moderator -',
  'GET /admin/documents/:id/files/:fileId': 'staff:moderator -',
  'POST /admin/documents/:id/approval': 'staff:moderator csrf',
  'POST /admin/documents/:id/rejection': 'staff:moderator csrf',
  'GET /admin/link-requests': 'staff:moderator -',
  'GET /admin/link-requests/:id': 'staff:moderator -',
  'POST /admin/link-requests/:id/approval': 'staff:moderator csrf',
  'POST /admin/link-requests/:id/rejection': 'staff:moderator csrf',
  'GET /admin/accounts': 'staff:admin,moderator -',
  'GET /admin/accounts/:id': 'staff:admin,moderator -',
  'GET /admin/accounts/:id/meters/new': 'staff:admin,moderator -',
  'POST /admin/accounts/:id/meters': 'staff:admin,moderator csrf',
  'GET /admin/accounts/:id/meters/:meterId/replacement': 'staff:admin,moderator -',
  'POST /admin/accounts/:id/meters/:meterId/replacement': 'staff:admin,moderator csrf',
  'GET /sandbox-esia/interaction/:uid': 'public -',
  'POST /sandbox-esia/interaction/:uid': 'public csrf',
  'POST /login/esia': 'public csrf',
  'GET /login/esia/callback': 'public -',
  'GET /register/esia': 'public -',
  'POST /register/esia': 'public csrf',
  'GET /profile/esia': 'resident -',
  'POST /profile/esia': 'resident csrf',
  'GET /profile/esia/unlink': 'resident -',
  'POST /profile/esia/unlink': 'resident csrf',
  'GET /help': 'public -',
  'GET /contacts': 'public -',
  'GET /privacy': 'public -',
  'GET /outages': 'public -',
  'GET /outages/:unom': 'public -',
  'GET /outages/:unom/feed.atom': 'public -',
  'POST /services/utilities/:id/withdrawal': 'resident csrf',
  'POST /services/utilities/:id/hiding': 'resident csrf',
  'GET /bills': 'resident -',
  'GET /bills/:id': 'resident -',
  'GET /bills/:id/print': 'resident -',
  'GET /bills/:id/pdf': 'resident -',
  'GET /bills/:id/penalty': 'resident -',
  'GET /consumption': 'resident -',
  'GET /payment-history': 'resident -',
  'GET /payment-history/export.csv': 'resident -',
  'GET /receipts/:paymentId': 'resident -',
  'GET /receipts/:paymentId/print': 'resident -',
  'GET /receipts/:paymentId/pdf': 'resident -',
  'GET /payments': 'resident -',
  'POST /payments/summary': 'resident csrf',
  'POST /payments': 'resident csrf',
  'GET /payments/:id': 'resident -',
  'GET /autopayment': 'resident -',
  'POST /autopayment': 'resident csrf',
  'GET /autopayment/cancel': 'resident -',
  'POST /autopayment/cancel': 'resident csrf',
  'POST /payments/notifications': 'public signed',
  'POST /sandbox-acquirer/api/payments': 'public merchant-auth',
  'GET /sandbox-acquirer/api/payments/:id': 'public -',
  'POST /sandbox-acquirer/api/recurring-charges': 'public merchant-auth',
  'GET /sandbox-acquirer/pay/:id': 'public -',
  'POST /sandbox-acquirer/pay/:id/card': 'public csrf',
  'GET /sandbox-acquirer/pay/:id/3ds': 'public -',
  'POST /sandbox-acquirer/pay/:id/3ds': 'public csrf',
  'POST /sandbox-acquirer/pay/:id/confirmation': 'public csrf',
  'POST /sandbox-acquirer/pay/:id/cancellation': 'public csrf',
  'GET /notices': 'resident -',
  'POST /profile/notice-emails': 'resident csrf',
  'GET /admin/tariffs': 'staff:admin -',
  'POST /admin/tariffs': 'staff:admin csrf',
  'POST /admin/tariffs/payees': 'staff:admin csrf',
  'GET /admin/bill-runs': 'staff:admin -',
  'POST /admin/bill-runs': 'staff:admin csrf',
  'GET /admin/bill-runs/:id': 'staff:admin -',
  'GET /admin/dwelling-requests': 'staff:moderator -',
  'GET /admin/dwelling-requests/:id': 'staff:moderator -',
  'GET /admin/dwelling-requests/:id/document': 'staff:moderator -',
  'POST /admin/dwelling-requests/:id/approval': 'staff:moderator csrf',
  'POST /admin/dwelling-requests/:id/rejection': 'staff:moderator csrf',
  'GET /admin/meter-requests': 'staff:moderator -',
  'GET /admin/meter-requests/:id': 'staff:moderator -',
  'GET /admin/meter-requests/:id/certificate': 'staff:moderator -',
  'POST /admin/meter-requests/:id/approval': 'staff:moderator csrf',
  'POST /admin/meter-requests/:id/rejection': 'staff:moderator csrf',
  'GET /admin/accounts/:id/meters/:meterId/verification': 'staff:admin,moderator -',
  'POST /admin/accounts/:id/meters/:meterId/verification': 'staff:admin,moderator csrf',
  'GET /admin/accounts/:id/ownership': 'staff:admin,moderator -',
  'POST /admin/accounts/:id/ownership': 'staff:admin,moderator csrf',
  'GET /admin/notices': 'staff:dispatcher -',
  'GET /admin/notices/new': 'staff:dispatcher -',
  'GET /admin/notices/buildings': 'staff:dispatcher -',
  'POST /admin/notices/new': 'staff:dispatcher csrf',
  'POST /admin/notices': 'staff:dispatcher csrf',
  'GET /admin/notices/:id': 'staff:dispatcher -',
  'GET /admin/notices/:id/edit': 'staff:dispatcher -',
  'POST /admin/notices/:id': 'staff:dispatcher csrf',
  'POST /admin/notices/:id/extension': 'staff:dispatcher csrf',
  'POST /admin/notices/:id/closure': 'staff:dispatcher csrf',
  'GET /admin/notices/:id/withdrawal': 'staff:dispatcher -',
  'POST /admin/notices/:id/withdrawal': 'staff:dispatcher csrf',
  'GET /requests': 'resident -',
  'GET /requests/new': 'resident -',
  'POST /requests': 'resident csrf-in-body',
  'GET /requests/:id': 'resident -',
  'POST /requests/:id/comments': 'resident csrf',
  'POST /requests/:id/photos': 'resident csrf-in-body',
  'GET /requests/:id/photos/:photoId': 'resident -',
  'GET /requests/:id/withdrawal': 'resident -',
  'POST /requests/:id/withdrawal': 'resident csrf',
  'POST /requests/:id/rating': 'resident csrf',
  'GET /admin/requests': 'staff:dispatcher -',
  'GET /admin/requests/notices/:noticeId': 'staff:dispatcher -',
  'POST /admin/requests/notices/:noticeId/closure': 'staff:dispatcher csrf',
  'GET /admin/requests/:id': 'staff:dispatcher -',
  'POST /admin/requests/:id/assignment': 'staff:dispatcher csrf',
  'POST /admin/requests/:id/status': 'staff:dispatcher csrf-in-body',
  'POST /admin/requests/:id/comments': 'staff:dispatcher csrf',
  'POST /admin/requests/:id/notice': 'staff:dispatcher csrf',
  'GET /admin/requests/:id/photos/:photoId': 'staff:dispatcher -',
};

// An id nothing has: allowed callers get 404, the rest are stopped by the guard before it is looked up.
const ANY_ID = '999999';
const STATIC = /^\/(vendor|public)\/|^\*$|\/\*$/;

function concrete(url: string): string {
  return url.replace(/:[A-Za-z]+/g, ANY_ID);
}

t.test('every registered route declares its access rule and CSRF expectation, and keeps them', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, redis: false });
  const routes = app.routeInventory.filter((r) => r.method !== 'HEAD' && !STATIC.test(r.url));
  const keys = routes.map((r) => `${r.method} ${r.url}`);
  const undeclared = keys.filter((key) => !(key in INVENTORY));
  t.same(undeclared, [], 'routes without a declared access rule (add them to INVENTORY)');
  t.same(Object.keys(INVENTORY).filter((key) => !keys.includes(key)), [], 'declared routes that no longer exist');

  const staffId = async (email: string) => (await db.selectFrom('staff').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
  const resident = await db.selectFrom('residents').select('id').where('email', '=', 'resident@demo.local').executeTakeFirstOrThrow();
  const agents = {
    resident: await signedIn(app, db, config, { residentId: resident.id }),
    admin: await signedIn(app, db, config, { staffId: await staffId('admin@demo.local') }),
    moderator: await signedIn(app, db, config, { staffId: await staffId('moderator@demo.local') }),
    dispatcher: await signedIn(app, db, config, { staffId: await staffId('dispatcher@demo.local') }),
  };
  const anonymous = await signedIn(app, db, config, { residentId: -1 });
  for (const agent of [...Object.values(agents), anonymous]) await agent.get('/login');

  for (const route of routes) {
    const key = `${route.method} ${route.url}`;
    const declared = INVENTORY[key];
    if (!declared) continue;
    const [access = '', csrf = ''] = declared.split(' ');
    const url = concrete(route.url);
    const call = (agent: typeof anonymous, withToken = true) =>
      route.method === 'GET' ? agent.get(url) : agent.post(url, withToken ? {} : { _csrf: '' });
    if (route.method !== 'GET') {
      t.equal(route.csrf, csrf === 'csrf', `${key}: CSRF ${csrf}`);
      if (csrf === 'csrf') t.equal((await call(anonymous, false)).statusCode, 403, `${key}: refused without the CSRF token`);
    }
    const first = await call(anonymous);
    if (access === 'public') {
      t.notOk(/^\/(admin\/)?login\?next=/.test(String(first.headers.location ?? '')), `${key}: public, no sign-in asked`);
      continue;
    }
    const loginPath = access === 'resident' ? '/login' : '/admin/login';
    t.match(String(first.headers.location ?? ''), new RegExp(`^${loginPath}\\?next=`), `${key}: an anonymous visitor is sent to ${loginPath}`);
    if (access.startsWith('staff:')) {
      const roles = access.slice(6).split(',');
      for (const role of ['admin', 'moderator', 'dispatcher'] as const) {
        const status = (await call(agents[role])).statusCode;
        if (roles.includes(role)) t.not(status, 403, `${key}: allowed to ${role}`);
        else t.equal(status, 403, `${key}: refused to ${role}`);
      }
    }
  }
});
