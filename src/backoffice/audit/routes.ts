import { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import { moscowDate } from '../../lib/calendar.js';
import { CSV_BOM, csvLine } from '../../lib/csv.js';
import { PAGE_SIZE, filterQuery, parseAuditQuery, type AuditQuery } from './filter.js';
import { allAuditRecords, auditFilterOptions, auditPage, type AuditRecord } from './service.js';
import { recordAudit } from '../../audit/writer.js';
import { recordStaffView } from './viewed.js';
import { signedInStaff } from '../../plugins/auth.js';
import { textFields } from '../../security/input.js';

const CSV_HEADER = ['Время (МСК)', 'Сотрудник', 'Электронная почта сотрудника', 'Действие', 'Код действия', 'Объект', 'Подробности', 'IP-адрес'];

function csvRow(record: AuditRecord): string {
  // ISO-like Moscow time sorts as text and reads unambiguously in a spreadsheet.
  const moscow = new Date(record.createdAt.getTime() + 3 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
  return csvLine([moscow, record.actor?.fullName, record.actor?.email, record.actionLabel, record.action, record.subject, record.details, record.ip]);
}

/** «Журнал действий»: filters by staff member, action and dates; pages; CSV of what the filters show. */
const auditLog: FastifyPluginAsync = async (app) => {
  const { db, clock } = app;

  app.get<{ Querystring: AuditQuery }>('/', async (request, reply) => {
    const { filter, page, errors } = parseAuditQuery(request.query);
    const [{ records, total }, options] = await Promise.all([auditPage(db, filter, page, PAGE_SIZE), auditFilterOptions(db)]);
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    // The log shows who did what to whose data: reading it is recorded too (after the
    // page's query, so the entry does not count itself).
    await recordStaffView(db, request, { action: 'audit.viewed', details: { filter, page } });
    const data = {
      title: 'Журнал действий',
      filter,
      values: { ...filter, from: request.query.from ?? filter.from ?? '', to: request.query.to ?? filter.to ?? '' },
      options,
      records,
      total,
      page,
      pages,
      previous: page > 1 ? `/admin/audit${filterQuery(filter, page - 1)}` : null,
      next: page < pages ? `/admin/audit${filterQuery(filter, page + 1)}` : null,
      csv: `/admin/audit/export.csv${filterQuery(filter)}`,
      errors,
    };
    if (Object.keys(errors).length === 0) return reply.render('backoffice/audit/index', 'backoffice/audit/_results', data);
    // The messages sit next to the filter fields, outside the results: the whole page answers.
    return reply.code(422).renderPage('backoffice/audit/index', data);
  });

  app.get<{ Querystring: AuditQuery }>('/export.csv', async (request, reply) => {
    const { filter, errors } = parseAuditQuery(request.query);
    // Once the first line is out, a failure can only drop the connection: a filter the
    // page would refuse goes back to the page, with the messages next to its fields.
    if (Object.keys(errors).length > 0) return reply.redirect(`/admin/audit?${new URLSearchParams(textFields(request.query))}`, 303);
    // Exporting the log is itself a thing the log must show.
    await recordAudit(db, { staffId: signedInStaff(request).id, action: 'audit.exported', details: { filter }, ip: request.ip });
    async function* lines() {
      yield CSV_BOM + csvLine(CSV_HEADER);
      for await (const record of allAuditRecords(db, filter)) yield csvRow(record);
    }
    return reply
      .type('text/csv; charset=utf-8')
      .header('Content-Disposition', `attachment; filename="audit-${moscowDate(clock.now())}.csv"`)
      .send(Readable.from(lines()));
  });
};

export default auditLog;
