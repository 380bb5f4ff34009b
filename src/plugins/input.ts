import fp from 'fastify-plugin';
import { CONTROL_CHARACTERS_MESSAGE, fieldsWithControlCharacters } from '../security/input.js';
import { renderError } from './errors.js';

/**
 * One gate for every route, resident and back office: a query string or form with
 * control characters is answered 422 before any handler runs, so no feature can
 * pass a NUL byte to Postgres (a 500) or store an invisible character. A streamed
 * answer (the audit CSV) is refused here too, before its first byte is sent.
 * Multipart forms are read by their handlers and check their own fields.
 */
export default fp(
  async (app) => {
    app.addHook('preValidation', async (request, reply) => {
      const fields = [...fieldsWithControlCharacters(request.query), ...fieldsWithControlCharacters(request.body)];
      if (fields.length === 0) return;
      request.log.warn({ fields }, 'control characters in request input');
      return renderError(request, reply, 422, CONTROL_CHARACTERS_MESSAGE);
    });
  },
  { name: 'input', dependencies: ['errors', 'view'] },
);
