import type { FastifyPluginAsync } from 'fastify';
import { renderError } from '../../plugins/errors.js';
import { signedInResident } from '../../plugins/auth.js';
import { field, parseId } from '../../security/input.js';
import { publicBuildingNotices, residentNotices, searchBuildings, setNoticeEmails } from './service.js';

/** «Объявления» for a signed-in resident, and the notice-email setting of «Профиль». */
export const residentNoticeRoutes: FastifyPluginAsync = async (app) => {
  app.get('/notices', async (request, reply) => {
    const lists = await residentNotices(app.db, signedInResident(request).id, app.clock.now());
    return reply.viewAsync('notices/index', { title: 'Объявления', section: '/notices', lists });
  });

  app.post('/profile/notice-emails', async (request, reply) => {
    const on = field(request.body, 'noticeEmails') === 'yes';
    await app.db.transaction().execute((trx) => setNoticeEmails(trx, signedInResident(request).id, on, app.clock.now()));
    return reply.redirect(`/profile?done=${on ? 'notice-emails-on' : 'notice-emails-off'}`, 303);
  });
};

/**
 * «Отключения» (/outages): anyone finds a building by address and sees its current
 * and upcoming notices, as mos.ru offers; an Atom feed per building follows them.
 */
export const publicOutageRoutes: FastifyPluginAsync = async (app) => {
  app.get('/outages', async (request, reply) => {
    const address = field(request.query, 'address').trim().slice(0, 200);
    const found = address === '' ? null : await searchBuildings(app.db, address);
    return reply.render('outages/index', 'outages/_results', { title: 'Отключения', address, found });
  });

  async function building(unomParam: string) {
    const unom = parseId(unomParam);
    return unom === null ? null : publicBuildingNotices(app.db, unom, app.clock.now());
  }

  app.get<{ Params: { unom: string } }>('/outages/:unom', async (request, reply) => {
    const found = await building(request.params.unom);
    if (!found) return renderError(request, reply, 404);
    return reply.viewAsync('outages/building', { title: `Отключения: ${found.building.address}`, ...found });
  });

  app.get<{ Params: { unom: string } }>('/outages/:unom/feed.atom', async (request, reply) => {
    const found = await building(request.params.unom);
    if (!found) return renderError(request, reply, 404);
    const notices = [...found.current, ...found.upcoming];
    const updated = notices.reduce((latest, n) => (n.updatedAt > latest ? n.updatedAt : latest), new Date(0));
    const xml = await reply.viewAsync('outages/feed', {
      ...found, notices, updated: notices.length > 0 ? updated : app.clock.now(), base: app.config.publicUrl,
    });
    return reply.type('application/atom+xml; charset=utf-8').send(xml);
  });
};
