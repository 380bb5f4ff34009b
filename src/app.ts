import compress from '@fastify/compress';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import type { Config } from './config.js';
import type { Db } from './db/index.js';
import { jobDefinitions } from './jobs/registry.js';
import { JobRunner } from './jobs/runner.js';
import { createTransports, type Transports } from './messaging/transports.js';
import { requireResident, requireStaff, residentLoader, staffLoader } from './plugins/auth.js';
import { createClock, type Clock } from './lib/calendar.js';
import clockPlugin from './plugins/clock.js';
import errors from './plugins/errors.js';
import input from './plugins/input.js';
import csrf from './plugins/csrf.js';
import helmet from './plugins/helmet.js';
import rateLimit from './plugins/rate-limit.js';
import session, { residentSessions, staffSessions } from './plugins/session.js';
import staticFiles from './plugins/static.js';
import view from './plugins/view.js';
import autopayment from './features/autopayment/routes.js';
import devMailbox from './features/dev-mailbox/routes.js';
import health from './features/health/routes.js';
import home from './features/home/routes.js';
import identity from './features/identity/routes.js';
import identityDocuments from './backoffice/documents/routes.js';
import auth from './features/auth/routes.js';
import profile from './features/profile/routes.js';
import terms from './features/terms/routes.js';
import help from './features/help/routes.js';
import services from './features/linking/routes.js';
import dwelling from './features/dwelling/routes.js';
import meterRequests from './features/meter-requests/routes.js';
import readings from './features/readings/routes.js';
import billing from './features/billing/routes.js';
import paymentHistory from './features/payment-history/routes.js';
import receipts from './features/receipts/routes.js';
import coOwners, { coOwnerInvitation } from './features/co-owners/routes.js';
import linkRequests from './backoffice/link-requests/routes.js';
import dwellingRequests from './backoffice/dwelling-requests/routes.js';
import meterRequestQueue from './backoffice/meter-requests/routes.js';
import accounts from './backoffice/accounts/routes.js';
import staffAuth from './backoffice/auth/routes.js';
import totpSettings from './backoffice/auth/totp-routes.js';
import backofficeHome from './backoffice/home/routes.js';
import staffManagement from './backoffice/staff/routes.js';
import auditLog from './backoffice/audit/routes.js';
import sandboxEsia from './features/esia/sandbox/routes.js';
import esia from './features/esia/routes.js';
import noticeRoutes from './backoffice/notices/routes.js';
import { publicOutageRoutes, residentNoticeRoutes } from './features/notices/routes.js';
import serviceRequests from './features/requests/routes.js';
import requestQueue from './backoffice/requests/routes.js';
import tariffs from './backoffice/tariffs/routes.js';
import billRuns from './backoffice/bill-runs/routes.js';
import payments, { paymentNotifications } from './features/payments/routes.js';
import sandboxAcquirer from './features/sandbox-acquirer/routes.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    db: Db;
    jobs: JobRunner;
    /** Every route as registered (method, URL, its config): what the route-inventory security test walks. */
    routeInventory: { method: string; url: string; csrf: boolean }[];
  }
}

export type AppOptions = {
  config: Config;
  db: Db;
  clock?: Clock;
  transports?: Transports;
  /** Start the outbox relay (and inline workers). Tests of the relay itself drive it by hand. */
  startJobs?: boolean;
  /** Where the log goes (standard output by default). */
  logStream?: NodeJS.WritableStream;
};

// Query strings of links in messages carry tokens; they never reach the logs.
function redactedUrl(url: string): string {
  return url.replace(/([?&](?:token|code|_csrf)=)[^&]*/gi, '$1[redacted]');
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config, db } = options;
  const clock = options.clock ?? createClock(config.appToday);
  const app = Fastify({
    // Believe the last `trustProxyHops` hops only (a number, which Fastify's types do not take).
    trustProxy: config.trustProxyHops > 0 ? (_address: string, hop: number) => hop < config.trustProxyHops : false,
    logger: {
      level: config.logLevel,
      ...(options.logStream ? { stream: options.logStream } : {}),
      redact: ['req.headers.cookie', 'req.headers.authorization', 'req.headers["x-csrf-token"]'],
      serializers: {
        req: (req) => ({ method: req.method, url: redactedUrl(req.url), remoteAddress: req.ip }),
      },
    },
    bodyLimit: 1024 * 1024,
  });

  const redis = config.redisUrl ? new Redis(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false }) : undefined;
  const jobs = new JobRunner({
    db,
    definitions: jobDefinitions,
    context: { db, config, clock, transports: options.transports ?? createTransports(config), log: app.log },
    redisUrl: config.redisUrl,
    queuePrefix: config.queuePrefix,
    runWorkers: config.inlineWorkers,
    intervalMs: config.relayIntervalMs,
  });
  const routeInventory: FastifyInstance['routeInventory'] = [];
  app.decorate('routeInventory', routeInventory);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routeInventory.push({ method, url: route.url, csrf: route.config?.csrf !== false });
  });
  app.decorate('config', config);
  app.decorate('db', db);
  app.decorate('jobs', jobs);
  if (options.startJobs !== false) app.addHook('onReady', () => jobs.start());
  app.addHook('onClose', async () => {
    await jobs.close();
    redis?.disconnect();
  });

  await app.register(clockPlugin, { clock });
  // Pages, CSS and htmx compressed (brotli at a cheap quality, or gzip): a page is
  // a fifth of its size on a mobile connection. Before static, so files get it too.
  await app.register(compress, { encodings: ['br', 'gzip'] });
  await app.register(view, { config });
  await app.register(staticFiles);
  await app.register(formbody);
  await app.register(helmet, { config });
  await app.register(csrf, { config });
  await app.register(rateLimit, { config, redis });
  await app.register(errors, { config });
  await app.register(input);

  await app.register(health);
  if (!config.isProduction) await app.register(devMailbox, { prefix: '/dev/mailbox' });
  if (config.sandboxEsia) await app.register(sandboxEsia, { config });
  if (config.sandboxAcquirer) await app.register(sandboxAcquirer, { config });
  await app.register(paymentNotifications);

  // The resident area and the back office each have their own session cookie.
  await app.register(async (resident) => {
    await resident.register(session, { config, db, area: residentSessions });
    await resident.register(residentLoader, { db });
    // A signed-in resident's pages (bills, addresses, documents) never stay in a shared computer's or a proxy's cache.
    resident.addHook('onSend', async (request, reply) => {
      if (request.resident) reply.header('Cache-Control', 'no-store');
    });
    await resident.register(home);
    await resident.register(esia);
    await resident.register(auth);
    await resident.register(terms);
    await resident.register(help);
    await resident.register(profile);
    await resident.register(coOwnerInvitation);
    await resident.register(publicOutageRoutes);
    await resident.register(async (signedIn) => {
      signedIn.addHook('preHandler', requireResident);
      await signedIn.register(identity);
      await signedIn.register(services);
      await signedIn.register(dwelling);
      await signedIn.register(readings);
      await signedIn.register(meterRequests);
      await signedIn.register(billing);
      await signedIn.register(paymentHistory);
      await signedIn.register(receipts);
      await signedIn.register(payments);
      await signedIn.register(autopayment);
      await signedIn.register(coOwners);
      await signedIn.register(residentNoticeRoutes);
      await signedIn.register(serviceRequests);
    });
  });
  await app.register(
    async (backoffice) => {
      await backoffice.register(session, { config, db, area: staffSessions });
      await backoffice.register(staffLoader, { db });
      // Residents' personal data: no back-office page stays in a shared office computer's cache after sign-out.
      backoffice.addHook('onSend', async (_request, reply) => {
        reply.header('Cache-Control', 'no-store');
      });
      await backoffice.register(staffAuth);
      await backoffice.register(async (signedIn) => {
        signedIn.addHook('preHandler', requireStaff());
        await signedIn.register(backofficeHome);
        await signedIn.register(totpSettings, { prefix: '/account/totp' });
        await signedIn.register(async (admins) => {
          admins.addHook('preHandler', requireStaff('admin'));
          await admins.register(staffManagement, { prefix: '/staff' });
          await admins.register(auditLog, { prefix: '/audit' });
          await admins.register(tariffs, { prefix: '/tariffs' });
          await admins.register(billRuns, { prefix: '/bill-runs' });
        });
      });
      await backoffice.register(async (moderators) => {
        moderators.addHook('preHandler', requireStaff('moderator'));
        await moderators.register(identityDocuments);
        await moderators.register(linkRequests);
        await moderators.register(dwellingRequests);
        await moderators.register(meterRequestQueue);
      });
      await backoffice.register(async (registryStaff) => {
        registryStaff.addHook('preHandler', requireStaff('moderator', 'admin'));
        await registryStaff.register(accounts);
      });
      await backoffice.register(async (dispatchers) => {
        dispatchers.addHook('preHandler', requireStaff('dispatcher'));
        await dispatchers.register(noticeRoutes, { prefix: '/notices' });
        await dispatchers.register(requestQueue, { prefix: '/requests' });
      });
    },
    { prefix: '/admin' },
  );

  return app;
}
