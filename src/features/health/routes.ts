import type { FastifyPluginAsync } from 'fastify';
import { sql } from 'kysely';

/** For load balancers and monitors: 200 while the database answers. */
const health: FastifyPluginAsync = async (app) => {
  app.get('/healthz', { config: { rateLimit: false } }, async (_request, reply) => {
    try {
      await sql`select 1`.execute(app.db);
      return reply.send({ status: 'ok' });
    } catch (error) {
      app.log.error({ err: error }, 'health check: database does not answer');
      return reply.code(503).send({ status: 'database unavailable' });
    }
  });
};

export default health;
