import helmet from '@fastify/helmet';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';

/** Security headers with a strict CSP: our own scripts and styles only, no framing. */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    await app.register(helmet, {
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          // The Госуслуги button posts here and is redirected to ЕСИА, which form-action covers too.
          formAction: ["'self'", ...(config.esia ? [new URL(config.esia.issuer).origin] : [])],
          frameAncestors: ["'none'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          upgradeInsecureRequests: config.isProduction ? [] : null,
        },
      },
      hsts: config.isProduction,
      referrerPolicy: { policy: 'same-origin' },
    });
  },
  { name: 'helmet' },
);
