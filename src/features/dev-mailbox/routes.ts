import type { FastifyPluginAsync } from 'fastify';
import { renderError } from '../../plugins/errors.js';
import { findMessage, newestMessages } from './service.js';

/** Outside production: every email and SMS the app sent, so flows can be followed by hand. */
const devMailbox: FastifyPluginAsync = async (app) => {
  app.get('/', async (_request, reply) => {
    return reply.viewAsync('dev/mailbox', { title: 'Почтовый ящик разработчика', messages: await newestMessages(app.db) });
  });

  app.get<{ Params: { id: string } }>('/:id', async (request, reply) => {
    const id = /^\d{1,12}$/.test(request.params.id) ? Number(request.params.id) : undefined;
    const message = id === undefined ? undefined : await findMessage(app.db, id);
    if (!message) return renderError(request, reply, 404);
    return reply.viewAsync('dev/message', { title: message.subject ?? 'SMS', message });
  });
};

export default devMailbox;
