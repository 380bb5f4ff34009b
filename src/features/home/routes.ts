import type { FastifyPluginAsync } from 'fastify';
import { latestBills } from '../bills/service.js';
import { accessibleAccounts } from '../accounts/access.js';
import { firstRunFor } from '../first-run/tasks.js';

/** The front page: what the service is for visitors, the resident's accounts at a glance once signed in. */
const home: FastifyPluginAsync = async (app) => {
  app.get('/', async (request, reply) => {
    if (!request.resident) return reply.viewAsync('home/index', {});
    const accounts = await accessibleAccounts(app.db, request.resident.id);
    const bills = await latestBills(app.db, accounts.map((a) => a.id));
    return reply.viewAsync('home/index', {
      section: '/',
      accounts: accounts.map((account) => ({ ...account, bill: bills.get(account.id) ?? null })),
      today: app.clock.today(),
      firstRun: await firstRunFor(app.db, request.resident, app.clock.today()),
    });
  });
};

export default home;
