import { randomUUID } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CONTROL_CHARACTERS_FIELD_MESSAGE, CONTROL_CHARACTERS_MESSAGE, fieldsWithControlCharacters, textFields, withoutControlCharacters } from '../security/input.js';
import { renderError } from './errors.js';

/** What the form page shows instead of its own values: the refused input, cleaned, and a message per field. */
export type RefusedInput = { values: Record<string, string>; errors: Record<string, string> };

// The form page is rendered by an internal GET that carries this header; its value is
// a one-time key into `pending`, so a client that sends the header gets nothing.
const HANDOFF_HEADER = 'x-refused-input';

/**
 * One gate for every route, resident and back office: a query string or form with
 * control characters never reaches a handler, so no feature can pass a NUL byte to
 * Postgres (a 500) or store an invisible character. A streamed answer (the audit CSV)
 * is refused here too, before its first byte is sent. Multipart forms are read by
 * their handlers and check their own fields.
 *
 * The answer is the form itself, 422: the page the form was sent from (the Referer of
 * our own origin, else the same path, else its parent — a form posts to its page or to
 * a resource under it) rendered with what was typed, control characters taken out,
 * and the message next to each offending field (views/partials/field.eta) and in the
 * error summary (the layouts). A filter (GET) comes back without the offending values
 * applied. Only when no such page exists is it the plain 422 page.
 */
export default fp(
  async (app) => {
    const pending = new Map<string, RefusedInput>();

    app.addHook('onRequest', async (request, reply) => {
      const key = request.headers[HANDOFF_HEADER];
      if (typeof key !== 'string') return;
      const refused = pending.get(key);
      pending.delete(key);
      // Every template of the page sees it: partials/field shows these values and messages.
      if (refused) reply.locals.refusedInput = refused;
    });

    app.addHook('preValidation', async (request, reply) => {
      const fromQuery = fieldsWithControlCharacters(request.query);
      const fromBody = fieldsWithControlCharacters(request.body);
      if (fromQuery.length === 0 && fromBody.length === 0) return;
      request.log.warn({ fields: [...fromQuery, ...fromBody] }, 'control characters in request input');
      const sent = request.method === 'GET' ? request.query : request.body;
      const refused: RefusedInput = {
        values: Object.fromEntries(Object.entries(textFields(sent)).filter(([name]) => name !== '_csrf').map(([name, value]) => [withoutControlCharacters(name), withoutControlCharacters(value)])),
        errors: Object.fromEntries([...fromQuery, ...fromBody].map((name) => [withoutControlCharacters(name), CONTROL_CHARACTERS_FIELD_MESSAGE])),
      };
      const page = await formPage(app, request, refused, pending);
      if (!page) return renderError(request, reply, 422, CONTROL_CHARACTERS_MESSAGE);
      for (const [name, value] of Object.entries(page.headers)) {
        if (['content-type', 'set-cookie', 'cache-control', 'vary'].includes(name) && value !== undefined) reply.header(name, value);
      }
      if (request.wantsFragment) reply.header('HX-Retarget', 'body').header('HX-Reswap', 'innerHTML show:top');
      return reply.code(422).send(page.body);
    });
  },
  { name: 'input', dependencies: ['errors', 'view'] },
);

/** The page a refused form came from, rendered by an internal GET with the refused input; null if there is none. */
async function formPage(app: FastifyInstance, request: FastifyRequest, refused: RefusedInput, pending: Map<string, RefusedInput>) {
  for (const url of candidatePages(request)) {
    const key = randomUUID();
    pending.set(key, refused);
    const headers: Record<string, string> = { [HANDOFF_HEADER]: key };
    if (request.headers.cookie) headers.cookie = request.headers.cookie;
    const page = await app.inject({ method: 'GET', url, headers, remoteAddress: request.ip });
    pending.delete(key);
    if (page.statusCode === 200 && String(page.headers['content-type']).startsWith('text/html')) return page;
  }
  return null;
}

function candidatePages(request: FastifyRequest): string[] {
  const path = request.url.split('?')[0] || '/';
  // A download (/export.csv, /bill.pdf) is not a page with a form; it gets the plain 422.
  if (/\.[a-z0-9]+$/i.test(path)) return [];
  if (request.method === 'GET') {
    // The filter again, with only the values that are clean.
    const clean = new URLSearchParams(Object.entries(textFields(request.query)).filter(([name, value]) => fieldsWithControlCharacters({ [name]: value }).length === 0));
    return [clean.size > 0 ? `${path}?${clean}` : path];
  }
  const candidates: string[] = [];
  const referer = sameOriginPath(request);
  if (referer) candidates.push(referer);
  candidates.push(path);
  const parent = path.replace(/\/[^/]+\/?$/, '');
  if (parent !== path && parent !== '') candidates.push(parent);
  return [...new Set(candidates)];
}

function sameOriginPath(request: FastifyRequest): string | null {
  const referer = request.headers.referer;
  if (!referer) return null;
  try {
    const url = new URL(referer);
    const host = request.headers.host;
    // Compared as URLs, so "localhost:80" and "localhost" are the same origin.
    return host && url.host === new URL(`${url.protocol}//${host}`).host ? url.pathname + url.search : null;
  } catch {
    return null;
  }
}
