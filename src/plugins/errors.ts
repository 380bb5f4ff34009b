import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';

const TITLES: Record<number, { title: string; message: string }> = {
  400: { title: 'Неверный запрос', message: 'Проверьте введённые данные и попробуйте снова.' },
  403: { title: 'Доступ запрещён', message: 'У вас нет прав на это действие.' },
  404: { title: 'Страница не найдена', message: 'Такой страницы нет. Проверьте адрес или вернитесь на главную.' },
  413: { title: 'Слишком большой файл', message: 'Файл больше допустимого размера.' },
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
  const known = TITLES[status] ?? TITLES[500]!;
  const html = await reply.renderPage('errors/page', {
    layout: layoutFor(request),
    status,
    title: known.title,
    message: message ?? known.message,
  });
  return reply.code(status).type('text/html; charset=utf-8').send(html);
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
  },
  { name: 'errors' },
);
