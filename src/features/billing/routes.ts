import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { signedInResident } from '../../plugins/auth.js';
import { renderError } from '../../plugins/errors.js';
import { parseId } from '../../security/input.js';
import { accessibleAccounts, type AccessibleAccount } from '../accounts/access.js';
import { BILL_STATE_LABELS, consumptionChart } from './document.js';
import { billDocument, billsOf, consumptionOf, penaltyBreakdown, type BillDocument } from './service.js';
import { billPdf } from './pdf.js';
import { SOURCE_LABELS } from './labels.js';
import { period as periodLabel } from '../../lib/format.js';
import { qrSvg } from '../../lib/qr.js';

type IdParams = { Params: { id: string } };
type AccountQuery = { Querystring: { account?: string; page?: string } };

const PAGE_SIZE = 12;

/** «Счета», one ЕПД (page, print, PDF), «Расчёт пеней» and «Потребление». */
const billing: FastifyPluginAsync = async (app) => {
  const { db, clock } = app;

  /** The account a page is about: the one in ?account= if the resident may see it, else the first. */
  function chosenAccount(accounts: AccessibleAccount[], raw: string | undefined): AccessibleAccount | undefined {
    const id = raw === undefined ? null : parseId(raw);
    return id === null ? accounts[0] : accounts.find((a) => a.id === id);
  }

  async function bill(request: FastifyRequest<IdParams>): Promise<BillDocument | undefined> {
    const id = parseId(request.params.id);
    if (id === null) return undefined;
    const accounts = await accessibleAccounts(db, signedInResident(request).id);
    return billDocument(db, id, accounts.map((a) => a.id), clock.today());
  }

  async function withQrSvgs(doc: BillDocument) {
    return Promise.all(doc.sections.map((s) => (s.qr ? qrSvg(s.qr) : Promise.resolve(null))));
  }

  async function showBill(request: FastifyRequest<IdParams>, reply: FastifyReply, view: 'billing/show' | 'billing/print') {
    const doc = await bill(request);
    if (!doc) return renderError(request, reply, 404);
    return reply.viewAsync(view, {
      section: '/bills',
      title: `Единый платёжный документ за ${periodLabel(doc.summary.period)}`,
      doc,
      qrSvgs: await withQrSvgs(doc),
      stateLabels: BILL_STATE_LABELS,
      sourceLabels: SOURCE_LABELS,
    });
  }

  app.get<AccountQuery>('/bills', async (request, reply) => {
    const accounts = await accessibleAccounts(db, signedInResident(request).id);
    const account = chosenAccount(accounts, request.query.account);
    if (accounts.length > 0 && !account) return renderError(request, reply, 404);
    const page = Math.max(1, parseId(request.query.page ?? '1') ?? 1);
    const list = account ? await billsOf(db, account.id, clock.today(), { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }) : { bills: [], total: 0 };
    return reply.viewAsync('billing/index', {
      section: '/bills',
      title: 'Счета',
      accounts,
      account,
      bills: list.bills,
      page,
      pages: Math.max(1, Math.ceil(list.total / PAGE_SIZE)),
      stateLabels: BILL_STATE_LABELS,
    });
  });

  app.get<IdParams>('/bills/:id', (request, reply) => showBill(request, reply, 'billing/show'));
  app.get<IdParams>('/bills/:id/print', (request, reply) => showBill(request, reply, 'billing/print'));

  app.get<IdParams>('/bills/:id/pdf', async (request, reply) => {
    const doc = await bill(request);
    if (!doc) return renderError(request, reply, 404);
    const pdf = await billPdf(doc);
    return reply
      .header('Content-Type', 'application/pdf')
      .header('Content-Disposition', `attachment; filename="epd-${doc.payerCode}-${doc.summary.period.slice(0, 7)}.pdf"`)
      .header('Cache-Control', 'private, no-store')
      .send(pdf);
  });

  app.get<IdParams>('/bills/:id/penalty', async (request, reply) => {
    const doc = await bill(request);
    if (!doc) return renderError(request, reply, 404);
    const breakdown = await penaltyBreakdown(db, doc);
    return reply.viewAsync('billing/penalty', { section: '/bills', title: 'Расчёт пеней', doc, breakdown });
  });

  app.get<AccountQuery>('/consumption', async (request, reply) => {
    const accounts = await accessibleAccounts(db, signedInResident(request).id);
    const account = chosenAccount(accounts, request.query.account);
    if (accounts.length > 0 && !account) return renderError(request, reply, 404);
    const series = account ? await consumptionOf(db, account.id) : [];
    return reply.viewAsync('billing/consumption', {
      section: '/consumption',
      title: 'Потребление',
      accounts,
      account,
      series: series.map((s) => ({ ...s, chart: consumptionChart(s.months, s.normPerMonth) })),
    });
  });
};

export default billing;
