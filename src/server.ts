import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { configOrExit, dbFor, openEmbeddedDatabase } from './boot.js';
import { DEMO_LOGINS, DEMO_PASSWORD } from './db/seed/index.js';
import { createClock } from './lib/calendar.js';

const started = Date.now();
const config = configOrExit();
const clock = createClock(config.appToday);
const embedded = config.databaseUrl === undefined;

// One process owns a PGlite directory, so in the embedded mode `npm start` migrates
// and seeds it itself; with Postgres these are separate commands.
const { db, seeded } = embedded ? await openEmbeddedDatabase(config) : { db: dbFor(config), seeded: false };

const app = await buildApp({ config, db, clock });

// A rejected promise nobody awaited belongs to one request or one job: it is logged and
// the process keeps serving everyone else. (Node would otherwise exit; an uncaught
// exception still shuts down gracefully, since the stack it unwound may hold broken state.)
process.on('unhandledRejection', (reason) => app.log.error({ err: reason }, 'unhandled rejection'));

closeWithGrace({ delay: 10_000, skip: ['unhandledRejection'] }, async ({ signal, err }) => {
  if (err) app.log.error({ err }, 'shutting down after an error');
  else app.log.info({ signal }, 'shutting down');
  await app.close();
  await db.destroy();
});

await app.listen({ port: config.port, host: config.host });
// The app itself speaks plain HTTP: the Secure session cookie is only stored by a browser
// talking HTTPS to a proxy that says so in X-Forwarded-Proto. Without one, sign-in cannot finish.
if (config.isProduction && (config.trustProxyHops === 0 || !config.publicUrl.startsWith('https://'))) {
  app.log.warn('production needs HTTPS: put a TLS-terminating proxy that sets X-Forwarded-Proto in front (TRUST_PROXY=1) and an https:// PUBLIC_URL, or the secure session cookie is never stored and nobody can sign in');
}
// Without the transports messages are only recorded: fine for a demo, never for residents.
if (config.isProduction && !config.smtpUrl) app.log.warn('SMTP_URL is not set: emails are recorded but not delivered');
if (config.isProduction && !config.smsGatewayUrl) app.log.warn('SMS_GATEWAY_URL is not set: SMS are recorded but not delivered');

const lines = [
  `Личный кабинет ЖКУ: ${config.publicUrl} (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
  `  database: ${embedded ? `embedded PGlite in ${config.dataDir}/pglite` : 'Postgres (DATABASE_URL)'}` +
    (seeded ? ', demo data seeded' : ''),
  `  jobs: ${config.redisUrl ? (config.inlineWorkers ? 'BullMQ, workers in this process' : 'BullMQ, run `npm run worker`') : 'in this process'}`,
];
if (!config.isProduction) {
  lines.push(`  mailbox: ${config.publicUrl}/dev/mailbox`);
  lines.push(`  demo logins (password "${DEMO_PASSWORD}"):`);
  for (const login of DEMO_LOGINS) {
    const where = login.who.startsWith('житель') ? '/login' : '/admin/login';
    lines.push(`    ${login.email.padEnd(24)} ${login.who}, ${config.publicUrl}${where}`);
  }
}
console.log(lines.join('\n'));
