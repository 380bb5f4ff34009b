import type { FastifyPluginAsync } from 'fastify';
import { queuesFor } from './queues.js';
import { signedInStaff } from '../../plugins/auth.js';

/** «/admin»: what waits for the signed-in staff member, each line linking to its queue. */
const backofficeHome: FastifyPluginAsync = async (app) => {
  app.get('/', async (request, reply) => {
    const queues = await queuesFor(app.db, signedInStaff(request).roles);
    return reply.viewAsync('backoffice/home/index', { title: 'Служебный кабинет', queues });
  });
};

export default backofficeHome;
