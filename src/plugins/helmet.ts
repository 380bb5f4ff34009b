import type { IncomingMessage, ServerResponse } from 'node:http';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';
import type { Config } from '../config.js';

/** Security headers with a strict CSP: our own scripts and styles only, no framing. */
export function helmetOptions(config: Config): HelmetOptions {
  return {
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
  };
}

/**
 * The headers helmet would set, worked out once. Helmet's middleware (and the Fastify
 * plugin around it, which builds the middleware anew for every request) parses the CSP
 * directives on each call; ours are the same for every page.
 */
export function securityHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: string) {
      headers[name] = value;
    },
    removeHeader(name: string) {
      delete headers[name];
    },
  };
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, () => {});
  return headers;
}

export default fp<{ config: Config }>(
  async (app, { config }) => {
    const headers = securityHeaders(helmetOptions(config));
    app.addHook('onRequest', (_request, reply, done) => {
      reply.headers(headers);
      done();
    });
  },
  { name: 'helmet' },
);
