import view from '@fastify/view';
import { Eta } from 'eta';
import fp from 'fastify-plugin';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.js';
import { format } from './format.js';

export const viewsRoot = fileURLToPath(new URL('../../views', import.meta.url));

declare module 'fastify' {
  interface FastifyRequest {
    /** htmx asked for a fragment only (not a boosted navigation or a history restore). */
    wantsFragment: boolean;
  }
  interface FastifyReply {
    /** Renders the fragment for an htmx partial request, the full page otherwise. */
    render(page: string, fragment: string, data?: object): Promise<string>;
  }
}

export default fp<{ config: Config }>(
  async (app, { config }) => {
    await app.register(view, {
      engine: { eta: new Eta({ views: viewsRoot, cache: config.isProduction }) },
      root: viewsRoot,
      defaultContext: { format },
    });

    app.decorateRequest('wantsFragment', false);
    app.addHook('onRequest', async (request, reply) => {
      request.wantsFragment = request.headers['hx-request-type'] === 'partial';
      reply.header('Vary', 'HX-Request, HX-Request-Type');
    });

    app.decorateReply('render', function (page: string, fragment: string, data: object = {}) {
      return this.viewAsync(this.request.wantsFragment ? fragment : page, data);
    });
  },
  { name: 'view' },
);
