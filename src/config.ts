import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isCalendarDate } from './lib/calendar.js';

export type Config = {
  nodeEnv: 'development' | 'production' | 'test';
  isProduction: boolean;
  port: number;
  host: string;
  /**
   * How many reverse proxies stand in front of the app. Only their entries of
   * X-Forwarded-For/-Proto are believed: trusting every hop would let a client
   * name its own IP address (per-IP limits, the audit log).
   */
  trustProxyHops: number;
  publicUrl: string;
  dataDir: string;
  /** The web process and workers connect with this (a member of the `zhku_web` role in production). */
  databaseUrl: string | undefined;
  /**
   * Migrations connect as the tables' owner (DATABASE_OWNER_URL); without it they use
   * DATABASE_URL, which then must be the owner (a development database).
   */
  databaseOwnerUrl: string | undefined;
  redisUrl: string | undefined;
  /** Run BullMQ workers inside the web process (only meaningful with REDIS_URL). */
  inlineWorkers: boolean;
  sessionSecret: string;
  smtpUrl: string | undefined;
  mailFrom: string;
  smsGatewayUrl: string | undefined;
  smsGatewayToken: string | undefined;
  /** Fixed calendar date (YYYY-MM-DD) the app believes it is; never in production. */
  appToday: string | undefined;
  logLevel: string;
  /** How often the outbox relay looks for new rows, in milliseconds. */
  relayIntervalMs: number;
  /** BullMQ key prefix, so several deployments (or test runs) can share one Redis. */
  queuePrefix: string;
  /** Days after a moderator's decision before identity document scans are deleted (152-ФЗ). */
  identityRetentionDays: number;
  /** Days after a request is decided (or closed) before its attachments are deleted: dwelling documents, meter certificates, request photos. */
  attachmentRetentionDays: number;
  /** Days after sending before the body of an email or SMS (codes, links) is erased. */
  messageRetentionDays: number;
  /** Sign-in through Госуслуги (ЕСИА, OpenID Connect); undefined turns the buttons off. */
  esia: EsiaConfig | undefined;
  /** The sandbox ЕСИА at /sandbox-esia: on everywhere but production. */
  sandboxEsia: boolean;
  /** The acquirer's API and this shop's credentials there; undefined turns online payment off. */
  acquirer: AcquirerConfig | undefined;
  /** The sandbox acquirer at /sandbox-acquirer: on everywhere but production. */
  sandboxAcquirer: boolean;
};

export type AcquirerConfig = { url: string; shopId: string; secret: string };

export type EsiaConfig = { issuer: string; clientId: string; clientSecret: string };

export class ConfigError extends Error {}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

type Env = Record<string, string | undefined>;

function nonEmpty(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function parsePort(env: Env): number {
  const raw = nonEmpty(env, 'PORT');
  if (raw === undefined) return 3000;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 0 || port > 65535) {
    throw new ConfigError(`PORT must be a whole number from 0 to 65535, got "${raw}"`);
  }
  return port;
}

function parseUrl(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = nonEmpty(env, name);
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(`${name} must start with ${protocols.map((p) => p + '//').join(' or ')}`);
  }
  return raw;
}

function parseDate(env: Env, name: string): string | undefined {
  const raw = nonEmpty(env, name);
  if (raw === undefined) return undefined;
  if (!isCalendarDate(raw)) {
    throw new ConfigError(`${name} must be a real date written YYYY-MM-DD, got "${raw}"`);
  }
  return raw;
}

function retentionDays(env: Env, name: string, fallback: number): number {
  const raw = nonEmpty(env, name) ?? String(fallback);
  const days = Number(raw);
  if (!/^\d+$/.test(raw) || days < 1 || days > 3650) {
    throw new ConfigError(`${name} must be a whole number of days from 1 to 3650, got "${raw}"`);
  }
  return days;
}

/** In the embedded mode the session secret is generated once and kept in DATA_DIR. */
function embeddedSessionSecret(dataDir: string): string {
  const file = path.join(dataDir, 'session-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

export function loadConfig(env: Env = process.env): Config {
  const nodeEnvRaw = nonEmpty(env, 'NODE_ENV') ?? 'development';
  if (!['development', 'production', 'test'].includes(nodeEnvRaw)) {
    throw new ConfigError(`NODE_ENV must be development, production or test, got "${nodeEnvRaw}"`);
  }
  const nodeEnv = nodeEnvRaw as Config['nodeEnv'];
  const isProduction = nodeEnv === 'production';
  const port = parsePort(env);
  const host = nonEmpty(env, 'HOST') ?? '127.0.0.1';
  // No default proxy even in production: a wrong guess lets any client choose the
  // address that rate limits and the audit log see. Declaring the proxies is the deployer's job.
  const hopsRaw = nonEmpty(env, 'TRUST_PROXY') ?? '0';
  if (!/^\d$/.test(hopsRaw)) {
    throw new ConfigError(`TRUST_PROXY must be the number of reverse proxies in front of the app, 0 to 9, got "${hopsRaw}"`);
  }
  const trustProxyHops = Number(hopsRaw);
  const publicUrl = (parseUrl(env, 'PUBLIC_URL', ['http:', 'https:']) ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const dataDir = path.resolve(nonEmpty(env, 'DATA_DIR') ?? './data');
  const databaseUrl = parseUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const databaseOwnerUrl = parseUrl(env, 'DATABASE_OWNER_URL', ['postgres:', 'postgresql:']);
  if (databaseOwnerUrl && !databaseUrl) throw new ConfigError('DATABASE_OWNER_URL needs DATABASE_URL too (the embedded database has one user)');
  const redisUrl = parseUrl(env, 'REDIS_URL', ['redis:', 'rediss:']);
  const smtpUrl = parseUrl(env, 'SMTP_URL', ['smtp:', 'smtps:']);
  const smsGatewayUrl = parseUrl(env, 'SMS_GATEWAY_URL', ['http:', 'https:']);

  const workers = nonEmpty(env, 'WORKERS');
  if (workers !== undefined && workers !== 'inline' && workers !== 'separate') {
    throw new ConfigError(`WORKERS must be "inline" or "separate", got "${workers}"`);
  }

  const appToday = parseDate(env, 'APP_TODAY');
  if (appToday && isProduction) {
    throw new ConfigError('APP_TODAY must not be set in production');
  }

  let sessionSecret = nonEmpty(env, 'SESSION_SECRET');
  if (sessionSecret !== undefined && sessionSecret.length < 32) {
    throw new ConfigError('SESSION_SECRET must be at least 32 characters long');
  }
  if (sessionSecret === undefined) {
    if (isProduction) throw new ConfigError('SESSION_SECRET is required in production');
    sessionSecret = embeddedSessionSecret(dataDir);
  }

  const relayRaw = nonEmpty(env, 'RELAY_INTERVAL_MS') ?? '200';
  const relayIntervalMs = Number(relayRaw);
  if (!/^\d+$/.test(relayRaw) || relayIntervalMs < 10) {
    throw new ConfigError(`RELAY_INTERVAL_MS must be a whole number of at least 10, got "${relayRaw}"`);
  }

  const identityRetentionDays = retentionDays(env, 'IDENTITY_RETENTION_DAYS', 30);
  const messageRetentionDays = retentionDays(env, 'MESSAGE_RETENTION_DAYS', 7);
  const attachmentRetentionDays = retentionDays(env, 'ATTACHMENT_RETENTION_DAYS', 90);

  const esia = esiaConfig(env, { isProduction, publicUrl, sessionSecret });
  const acquirer = acquirerConfig(env, { isProduction, publicUrl, sessionSecret });

  // pino throws on a level it does not know, with a stack trace instead of one line.
  const logLevel = nonEmpty(env, 'LOG_LEVEL') ?? (nodeEnv === 'test' ? 'silent' : 'info');
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }

  return {
    nodeEnv,
    isProduction,
    port,
    host,
    trustProxyHops,
    publicUrl,
    dataDir,
    databaseUrl,
    databaseOwnerUrl: databaseOwnerUrl ?? databaseUrl,
    redisUrl,
    inlineWorkers: redisUrl !== undefined && workers === 'inline',
    sessionSecret,
    smtpUrl,
    mailFrom: nonEmpty(env, 'MAIL_FROM') ?? 'Личный кабинет ЖКУ <no-reply@zhku.local>',
    smsGatewayUrl,
    smsGatewayToken: nonEmpty(env, 'SMS_GATEWAY_TOKEN'),
    appToday,
    logLevel,
    relayIntervalMs,
    queuePrefix: nonEmpty(env, 'QUEUE_PREFIX') ?? 'zhku',
    identityRetentionDays,
    attachmentRetentionDays,
    messageRetentionDays,
    esia,
    sandboxEsia: !isProduction,
    acquirer,
    sandboxAcquirer: !isProduction,
  };
}

/**
 * ACQUIRER_URL, ACQUIRER_SHOP_ID and ACQUIRER_SECRET name the acquirer's API and this
 * shop's account there (the secret also signs notifications). Outside production,
 * with none set, the cabinet pays through its own sandbox acquirer under PUBLIC_URL,
 * with a secret derived from the session secret.
 */
function acquirerConfig(env: Env, base: { isProduction: boolean; publicUrl: string; sessionSecret: string }): AcquirerConfig | undefined {
  const url = parseUrl(env, 'ACQUIRER_URL', base.isProduction ? ['https:'] : ['http:', 'https:']);
  const shopId = nonEmpty(env, 'ACQUIRER_SHOP_ID');
  const secret = nonEmpty(env, 'ACQUIRER_SECRET');
  if (secret !== undefined && secret.length < 32) throw new ConfigError('ACQUIRER_SECRET must be at least 32 characters long');
  const given = [url, shopId, secret].filter((v) => v !== undefined).length;
  if (given === 3) return { url: url!.replace(/\/+$/, ''), shopId: shopId!, secret: secret! };
  if (given > 0 && (base.isProduction || url !== undefined)) {
    throw new ConfigError('ACQUIRER_URL, ACQUIRER_SHOP_ID and ACQUIRER_SECRET must be set together');
  }
  if (base.isProduction) return undefined;
  return {
    url: `${base.publicUrl}/sandbox-acquirer`,
    shopId: shopId ?? 'zhku-cabinet',
    secret: secret ?? createHmac('sha256', base.sessionSecret).update('sandbox-acquirer-secret').digest('base64url'),
  };
}

/**
 * ESIA_ISSUER, ESIA_CLIENT_ID and ESIA_CLIENT_SECRET name the identity provider and
 * this service's registration with it. Outside production, with none of them set,
 * the cabinet talks to its own sandbox ЕСИА under PUBLIC_URL, whose client secret
 * is derived from the session secret so that it survives restarts.
 */
function esiaConfig(env: Env, base: { isProduction: boolean; publicUrl: string; sessionSecret: string }): EsiaConfig | undefined {
  const issuer = parseUrl(env, 'ESIA_ISSUER', base.isProduction ? ['https:'] : ['http:', 'https:']);
  const clientId = nonEmpty(env, 'ESIA_CLIENT_ID');
  const clientSecret = nonEmpty(env, 'ESIA_CLIENT_SECRET');
  const given = [issuer, clientId, clientSecret].filter((v) => v !== undefined).length;
  if (given === 3) return { issuer: issuer!.replace(/\/+$/, ''), clientId: clientId!, clientSecret: clientSecret! };
  if (given > 0 && (base.isProduction || issuer !== undefined)) {
    throw new ConfigError('ESIA_ISSUER, ESIA_CLIENT_ID and ESIA_CLIENT_SECRET must be set together');
  }
  if (base.isProduction) return undefined;
  return {
    issuer: `${base.publicUrl}/sandbox-esia`,
    clientId: clientId ?? 'zhku-cabinet',
    clientSecret: clientSecret ?? createHmac('sha256', base.sessionSecret).update('sandbox-esia-client').digest('base64url'),
  };
}
