import type { FastifyPluginAsync } from 'fastify';

const terms: FastifyPluginAsync = async (app) => {
  app.get('/terms', async (_request, reply) => reply.viewAsync('terms/index', { title: 'Пользовательское соглашение' }));
};

export default terms;
