import type { FastifyPluginAsync } from 'fastify';

// «Помощь», «Контакты», «Политика обработки персональных данных»: public pages,
// linked from every footer and from the consent checkboxes.
const help: FastifyPluginAsync = async (app) => {
  app.get('/help', async (_request, reply) => reply.viewAsync('help/index', { title: 'Помощь' }));
  app.get('/contacts', async (_request, reply) => reply.viewAsync('help/contacts', { title: 'Контакты' }));
  app.get('/privacy', async (_request, reply) => reply.viewAsync('help/privacy', { title: 'Политика обработки персональных данных' }));
};

export default help;
