import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { signedInStaff } from '../../plugins/auth.js';
import { renderError } from '../../plugins/errors.js';
import { field, parseId } from '../../security/input.js';
import { addMonths, periodOf } from '../../lib/calendar.js';
import { findBillRun, recentBillRuns, startBillRun } from '../../features/billing/bill-runs.js';

export const RUN_STATUS_LABELS = { queued: 'В очереди', running: 'Выполняется', done: 'Завершено', failed: 'Ошибка' } as const;

/** «Сформировать счета» (admin): start a bill run for a period and watch it. */
const billRuns: FastifyPluginAsync = async (app) => {
  const { db, clock } = app;

  async function showIndex(reply: FastifyReply, extra: { value?: string; error?: string } = {}) {
    const lastMonth = addMonths(periodOf(clock.today()), -1).slice(0, 7);
    return reply.viewAsync('backoffice/bill-runs/index', {
      title: 'Сформировать счета',
      runs: await recentBillRuns(db),
      statusLabels: RUN_STATUS_LABELS,
      value: extra.value ?? lastMonth,
      errors: extra.error ? { period: extra.error } : {},
    });
  }

  app.get('/', async (_request, reply) => showIndex(reply));

  app.post('/', async (request, reply) => {
    const value = field(request.body, 'period').trim();
    const thisMonth = periodOf(clock.today());
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(value)) return showIndex(reply.code(422), { value, error: 'Введите период в формате ГГГГ-ММ, например 2026-11' });
    const period = `${value}-01`;
    if (period > thisMonth) return showIndex(reply.code(422), { value, error: 'Нельзя выставить счета за месяц, который ещё не начался' });
    const staff = signedInStaff(request);
    const runId = await db.transaction().execute((trx) => startBillRun(trx, { period, by: { staffId: staff.id, ip: request.ip } }));
    return reply.redirect(`/admin/bill-runs/${runId}`, 303);
  });

  app.get<{ Params: { id: string } }>('/:id', async (request, reply) => {
    const id = parseId(request.params.id);
    const run = id === null ? undefined : await findBillRun(db, id);
    if (!run) return renderError(request, reply, 404);
    return reply.render('backoffice/bill-runs/show', 'backoffice/bill-runs/_progress', { title: 'Формирование счетов', run, statusLabels: RUN_STATUS_LABELS });
  });
};

export default billRuns;
