import type { FastifyPluginAsync } from 'fastify';
import { queuesFor } from './queues.js';
import { signedInStaff } from '../../plugins/auth.js';
import { staffNoticeLists } from '../../features/notices/service.js';

/** «/admin»: what waits for the signed-in staff member, each line linking to its queue. */
const backofficeHome: FastifyPluginAsync = async (app) => {
  app.get('/', async (request, reply) => {
    const { roles } = signedInStaff(request);
    const queues = await queuesFor(app.db, roles);
    const noticeLists = roles.includes('dispatcher') ? await staffNoticeLists(app.db, app.clock.now()) : null;
    return reply.viewAsync('backoffice/home/index', { title: 'Служебный кабинет', queues, noticeLists });
  });
};

export default backofficeHome;
