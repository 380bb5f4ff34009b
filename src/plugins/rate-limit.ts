import rateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { waitText } from '../security/rate-limits.js';

/** A ceiling on requests per client, shared through Redis when there is one. */
export default fp<{ config: Config; redis?: Redis }>(
  async (app, { config, redis }) => {
    await app.register(rateLimit, {
      global: true,
      max: config.isProduction ? 300 : 3000,
      timeWindow: '1 minute',
      ...(redis ? { redis, nameSpace: `${config.queuePrefix}-rate:` } : {}),
      errorResponseBuilder: (_request, context) => ({
        statusCode: context.statusCode,
        error: 'Too Many Requests',
        message: `Слишком много запросов. Попробуйте снова через ${waitText(context.ttl)}.`,
      }),
    });
  },
  { name: 'rate-limit' },
);
