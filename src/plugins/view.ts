import view from '@fastify/view';
import { Eta } from 'eta';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { format } from '../lib/format.js';
import { labels } from '../lib/labels.js';
import { inProject } from '../lib/project-folder.js';

export const viewsRoot = inProject('views');

declare module 'fastify' {
  interface FastifyRequest {
    /** htmx asked for a fragment only (not a boosted navigation or a history restore). */
    wantsFragment: boolean;
  }
  interface FastifyReply {
    /** Values every template of this request sees (@fastify/view gives each reply an empty object). */
    locals: Record<string, unknown>;
    /** Renders the fragment for an htmx partial request, the full page otherwise. */
    render(page: string, fragment: string, data?: object): Promise<string>;
    /** Renders the full page; an htmx partial request gets it too, swapped in place of the whole body. */
    renderPage(page: string, data?: object): Promise<string>;
  }
}

export default fp<{ config: Config }>(
  async (app, { config }) => {
    await app.register(view, {
      // Templates are read again on each render only in development, where they are being edited.
      // @fastify/view sets Eta's cache on every render from its own flag (by default NODE_ENV
      // alone), so the flag is given here too.
      engine: { eta: new Eta({ views: viewsRoot, cache: config.nodeEnv !== 'development' }) },
      production: config.nodeEnv !== 'development',
      root: viewsRoot,
      defaultContext: { format, labels },
    });

    app.decorateRequest('wantsFragment', false);
    app.addHook('onRequest', async (request, reply) => {
      request.wantsFragment = request.headers['hx-request-type'] === 'partial';
      // Navigation marks the current section (aria-current) from the path.
      reply.locals.path = request.url.split('?')[0];
      // A fragment marks what changed with `autofocus`: htmx moves the focus there after the swap.
      reply.locals.partial = request.wantsFragment;
      reply.header('Vary', 'HX-Request, HX-Request-Type');
    });

    app.decorateReply('render', function (page: string, fragment: string, data: object = {}) {
      return this.viewAsync(this.request.wantsFragment ? fragment : page, data);
    });

    app.decorateReply('renderPage', function (page: string, data: object = {}) {
      if (this.request.wantsFragment) this.header('HX-Retarget', 'body').header('HX-Reswap', 'innerHTML show:top');
      return this.viewAsync(page, data);
    });
  },
  { name: 'view' },
);
