import type { FastifyPluginAsync } from 'fastify';
import { latestBills } from '../billing/service.js';
import { BILL_STATE_LABELS } from '../billing/document.js';
import { accessibleAccounts } from '../accounts/access.js';
import { activeNoticesFor } from '../notices/service.js';
import { firstRunFor } from '../first-run/tasks.js';

/** The front page: what the service is for visitors, the resident's accounts at a glance once signed in. */
const home: FastifyPluginAsync = async (app) => {
  app.get('/', async (request, reply) => {
    if (!request.resident) return reply.viewAsync('home/index', {});
    const accounts = await accessibleAccounts(app.db, request.resident.id);
    const bills = await latestBills(app.db, accounts.map((a) => a.id), app.clock.today());
    return reply.viewAsync('home/index', {
      section: '/',
      accounts: accounts.map((account) => ({ ...account, bill: bills.get(account.id) ?? null })),
      today: app.clock.today(),
      activeNotices: await activeNoticesFor(app.db, request.resident.id, app.clock.now()),
      billStateLabels: BILL_STATE_LABELS,
      firstRun: await firstRunFor(app.db, request.resident, app.clock.today()),
    });
  });
};

export default home;
