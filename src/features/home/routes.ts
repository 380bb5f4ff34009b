import type { FastifyPluginAsync } from 'fastify';
import { preparedRead } from '../../db/prepared-read.js';
import { revived, together } from '../../db/together.js';
import { latestBillsOf, latestBillsQuery } from '../billing/service.js';
import { BILL_STATE_LABELS } from '../billing/document.js';
import { accessibleAccountIds, accessibleAccountsQuery, toAccessibleAccounts } from '../accounts/access.js';
import { activeNoticeReads, activeNotices } from '../notices/service.js';
import { firstRunOf, firstRunReads } from '../first-run/tasks.js';

/** The front page: what the service is for visitors, the resident's accounts at a glance once signed in. */
const home: FastifyPluginAsync = async (app) => {
  const { db } = app;
  // The busiest signed-in page: everything it shows in one round trip, compiled once.
  const homeRead = preparedRead(
    db,
    ({ residentId, today, now }: { residentId: number; today: string; now: Date }) =>
      together(db, {
        accounts: accessibleAccountsQuery(db, residentId),
        bills: latestBillsQuery(db, accessibleAccountIds(db, residentId), today),
        ...activeNoticeReads(db, residentId, now),
        ...firstRunReads(db, residentId),
      }),
    { verify: !app.config.isProduction },
  );

  app.get('/', async (request, reply) => {
    if (!request.resident) return reply.viewAsync('home/index', {});
    const resident = request.resident;
    const today = app.clock.today();
    const now = app.clock.now();
    const read = revived((await homeRead({ residentId: resident.id, today, now }))[0]!);
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
