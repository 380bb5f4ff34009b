import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { validateHeaderName, validateHeaderValue } from 'node:http';
import type { Config } from '../config.js';

const TITLES: Record<number, { title: string; message: string }> = {
  400: { title: 'Неверный запрос', message: 'Проверьте введённые данные и попробуйте снова.' },
  403: { title: 'Доступ запрещён', message: 'У вас нет прав на это действие.' },
  404: { title: 'Страница не найдена', message: 'Такой страницы нет. Проверьте адрес или вернитесь на главную.' },
  409: { title: 'Действие уже невозможно', message: 'Пока открывалась страница, данные изменились. Обновите её.' },
  413: { title: 'Слишком большой файл', message: 'Файл больше допустимого размера.' },
  422: { title: 'Проверьте введённые данные', message: 'Проверьте введённые данные и попробуйте снова.' },
  429: { title: 'Слишком много запросов', message: 'Подождите немного и попробуйте снова.' },
  500: { title: 'Ошибка на сервере', message: 'Что-то пошло не так. Мы уже знаем об этом; попробуйте позже.' },
};

const CSRF_CODES = new Set(['FST_CSRF_INVALID_TOKEN', 'FST_CSRF_MISSING_SECRET']);

function layoutFor(request: FastifyRequest): string {
  return request.url.startsWith('/admin') ? '/layouts/backoffice' : '/layouts/resident';
}

/**
 * Sends the error page and returns the reply, so it ends a handler or a guard
 * hook alike (`return renderError(...)`).
 */
export async function renderError(request: FastifyRequest, reply: FastifyReply, status: number, message?: string): Promise<FastifyReply> {
  const html = await errorPage(request, reply, status, message);
  return reply.code(status).type('text/html; charset=utf-8').send(html);
}

function errorPage(request: FastifyRequest, reply: FastifyReply, status: number, message?: string): Promise<string> {
  const known = TITLES[status] ?? TITLES[500]!;
  return reply.renderPage('errors/page', { layout: layoutFor(request), status, title: known.title, message: message ?? known.message });
}

/** The first header Node would refuse to write (a raw "т" or a line break in a value). */
function invalidHeader(reply: FastifyReply): string | undefined {
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    try {
      validateHeaderName(name);
      for (const one of Array.isArray(value) ? value : [value]) if (one !== undefined) validateHeaderValue(name, String(one));
    } catch {
      return name;
    }
  }
  return undefined;
}

/** Error pages in Russian; stack traces only outside production, and only in the log. */
export default fp<{ config: Config }>(
  async (app) => {
    app.setNotFoundHandler((request, reply) => renderError(request, reply, 404));

    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (CSRF_CODES.has(error.code)) {
        request.log.warn('csrf token rejected');
        return renderError(request, reply, 403, 'Страница устарела. Обновите её и повторите действие.');
      }
      const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
      if (status >= 500) request.log.error({ err: error }, 'request failed');
      if (status === 429) return renderError(request, reply, 429, error.message);
      if (status === 413) return renderError(request, reply, 413);
      return renderError(request, reply, TITLES[status] ? status : status >= 500 ? 500 : 400);
    });

    // Node throws on an invalid header only when the response is written, after every
    // handler and hook has returned: nothing would catch it and the process would stop.
    // Checked here, the bad header is dropped and this one request gets a 500 page.
    app.addHook('onSend', async (request, reply, payload) => {
      const bad = invalidHeader(reply);
      if (bad === undefined) return payload;
      request.log.error({ header: bad }, 'response header with characters HTTP does not allow');
      for (let name = bad as string | undefined; name !== undefined; name = invalidHeader(reply)) reply.removeHeader(name);
      reply.code(500).type('text/html; charset=utf-8');
      return errorPage(request, reply, 500);
    });
  },
  { name: 'errors' },
);
