import type { FastifyPluginAsync } from 'fastify';
import { readTogether } from '../../db/together.js';
import { latestBillsOf, latestBillsQuery } from '../billing/service.js';
import { BILL_STATE_LABELS } from '../billing/document.js';
import { accessibleAccountIds, accessibleAccountsQuery, toAccessibleAccounts } from '../accounts/access.js';
import { activeNoticeReads, activeNotices } from '../notices/service.js';
import { firstRunOf, firstRunReads } from '../first-run/tasks.js';

/** The front page: what the service is for visitors, the resident's accounts at a glance once signed in. */
const home: FastifyPluginAsync = async (app) => {
  app.get('/', async (request, reply) => {
    if (!request.resident) return reply.viewAsync('home/index', {});
    const resident = request.resident;
    const today = app.clock.today();
    const now = app.clock.now();
    // The busiest signed-in page: everything it shows in one round trip.
    const read = await readTogether(app.db, {
      accounts: accessibleAccountsQuery(app.db, resident.id),
      bills: latestBillsQuery(app.db, accessibleAccountIds(app.db, resident.id), today),
      ...activeNoticeReads(app.db, resident.id, now),
      ...firstRunReads(app.db, resident.id),
    });
    const accounts = toAccessibleAccounts(read.accounts);
    const bills = latestBillsOf(read.bills, today);
    return reply.viewAsync('home/index', {
      section: '/',
      accounts: accounts.map((account) => ({ ...account, bill: bills.get(account.id) ?? null })),
      today,
      activeNotices: activeNotices(read, now),
      billStateLabels: BILL_STATE_LABELS,
      firstRun: firstRunOf(resident, accounts, read, today),
    });
  });
};

export default home;
