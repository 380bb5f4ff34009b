import fastifyStatic from '@fastify/static';
import fp from 'fastify-plugin';
import { createRequire } from 'node:module';
import path from 'node:path';
import { inProject } from '../lib/project-folder.js';

const publicRoot = inProject('public');
const htmxRoot = path.dirname(createRequire(import.meta.url).resolve('htmx.org/dist/htmx.min.js'));

/** Our own CSS and images, and htmx itself, all from our origin (no CDN). */
export default fp(
  async (app) => {
    await app.register(fastifyStatic, { root: publicRoot, prefix: '/public/', maxAge: '1h' });
    await app.register(fastifyStatic, {
      root: htmxRoot,
      prefix: '/vendor/htmx/',
      decorateReply: false,
      allowedPath: (pathName) => pathName === '/htmx.min.js',
      maxAge: '1d',
    });
  },
  { name: 'static' },
);
