import { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import { moscowDate } from '../../lib/calendar.js';
import { CSV_BOM, csvLine } from '../../lib/csv.js';
import { PAYMENT_METHOD_LABELS, PAYMENT_STATUS_LABELS } from '../../lib/labels.js';
import { dateTime } from '../../lib/format.js';
import { signedInResident } from '../../plugins/auth.js';
import { renderError } from '../../plugins/errors.js';
import { accessibleAccounts } from '../accounts/access.js';
import { PAGE_SIZE, historyQueryString, parseHistoryQuery, type HistoryQuery } from './filter.js';
import { allPaymentHistory, paymentHistory, type HistoryEntry } from './service.js';

const CSV_HEADER = ['Дата и время (МСК)', 'Лицевой счёт', 'Сумма, руб.', 'Способ оплаты', 'Вид', 'Статус', 'Номер операции', 'Квитанция'];

/** «История платежей»: the list with its filters and pages, and the same list as CSV. */
const paymentHistoryRoutes: FastifyPluginAsync = async (app) => {
  const { db, clock, config } = app;

  function csvRow(entry: HistoryEntry): string {
    return csvLine([
      dateTime(entry.paidAt ?? entry.createdAt),
      entry.payerCode,
      // A plain number with a comma, as a Russian spreadsheet reads money.
      (entry.amountKopecks / 100).toFixed(2).replace('.', ','),
      PAYMENT_METHOD_LABELS[entry.method],
      entry.kind === 'recurring' ? 'Автоплатёж' : 'Разовый',
      PAYMENT_STATUS_LABELS[entry.status].label,
      entry.transactionId,
      entry.status === 'succeeded' ? `${config.publicUrl}/receipts/${entry.id}` : '',
    ]);
  }

  app.get<{ Querystring: HistoryQuery }>('/payment-history', async (request, reply) => {
    const accounts = await accessibleAccounts(db, signedInResident(request).id);
    const { filter, page, errors } = parseHistoryQuery(request.query);
    if (filter.accountId !== null && !accounts.some((a) => a.id === filter.accountId)) return renderError(request, reply, 404);
    const ids = accounts.map((a) => a.id);
    const valid = Object.keys(errors).length === 0;
    const list = valid ? await paymentHistory(db, ids, filter, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }) : { entries: [], total: 0 };
    const pages = Math.max(1, Math.ceil(list.total / PAGE_SIZE));
    const data = {
      section: '/payment-history',
      title: 'История платежей',
      accounts,
      filter,
      values: { from: request.query.from ?? '', to: request.query.to ?? '' },
      statusChoices: (Object.keys(PAYMENT_STATUS_LABELS) as (keyof typeof PAYMENT_STATUS_LABELS)[]).map((value) => ({ value, label: PAYMENT_STATUS_LABELS[value].label })),
      entries: list.entries,
      total: list.total,
      page,
      pages,
      previous: page > 1 ? `/payment-history${historyQueryString(filter, page - 1)}` : null,
      next: page < pages ? `/payment-history${historyQueryString(filter, page + 1)}` : null,
      csv: `/payment-history/export.csv${historyQueryString(filter)}`,
      errors,
    };
    if (valid) return reply.render('payment-history/index', 'payment-history/_results', data);
    // The messages sit next to the filter fields, outside the results: the whole page answers.
    return reply.code(422).renderPage('payment-history/index', data);
  });

  app.get<{ Querystring: HistoryQuery }>('/payment-history/export.csv', async (request, reply) => {
    const accounts = await accessibleAccounts(db, signedInResident(request).id);
    const { filter, errors } = parseHistoryQuery(request.query);
    if (filter.accountId !== null && !accounts.some((a) => a.id === filter.accountId)) return renderError(request, reply, 404);
    // Once the first line is out a failure can only drop the connection: a bad filter goes back to the page.
    if (Object.keys(errors).length > 0) return reply.redirect(`/payment-history${historyQueryString(filter)}`, 303);
    const ids = accounts.map((a) => a.id);
    async function* lines() {
      yield CSV_BOM + csvLine(CSV_HEADER);
      for await (const entry of allPaymentHistory(db, ids, filter)) yield csvRow(entry);
    }
    return reply
      .type('text/csv; charset=utf-8')
      .header('Content-Disposition', `attachment; filename="payments-${moscowDate(clock.now())}.csv"`)
      .header('Cache-Control', 'private, no-store')
      .send(Readable.from(lines()));
  });
};

export default paymentHistoryRoutes;
