import type { FastifyPluginAsync } from 'fastify';
import { latestBills } from '../billing/service.js';
import { BILL_STATE_LABELS } from '../billing/document.js';
import { accessibleAccounts } from '../accounts/access.js';
import { activeNoticesIn } from '../notices/service.js';
import { firstRunFor } from '../first-run/tasks.js';

/** The front page: what the service is for visitors, the resident's accounts at a glance once signed in. */
const home: FastifyPluginAsync = async (app) => {
  app.get('/', async (request, reply) => {
    if (!request.resident) return reply.viewAsync('home/index', {});
    const today = app.clock.today();
    // The accounts first; everything else hangs on them and is read at once.
    const accounts = await accessibleAccounts(app.db, request.resident.id);
    const [bills, activeNotices, firstRun] = await Promise.all([
      latestBills(app.db, accounts.map((a) => a.id), today),
      activeNoticesIn(app.db, [...new Set(accounts.map((a) => a.buildingId))], app.clock.now()),
      firstRunFor(app.db, request.resident, accounts, today),
    ]);
    return reply.viewAsync('home/index', {
      section: '/',
      accounts: accounts.map((account) => ({ ...account, bill: bills.get(account.id) ?? null })),
      today,
      activeNotices,
      billStateLabels: BILL_STATE_LABELS,
      firstRun,
    });
  });
};

export default home;
