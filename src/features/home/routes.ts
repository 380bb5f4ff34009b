import type { FastifyPluginAsync } from 'fastify';

const home: FastifyPluginAsync = async (app) => {
  app.get('/', async (_request, reply) => reply.viewAsync('home/index', {}));
};

export default home;
