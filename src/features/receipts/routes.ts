import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { qrSvg } from '../../lib/qr.js';
import { signedInResident } from '../../plugins/auth.js';
import { renderError } from '../../plugins/errors.js';
import { parseId } from '../../security/input.js';
import { accessibleAccounts } from '../accounts/access.js';
import type { ReceiptDocument } from './document.js';
import { receiptPdf } from './pdf.js';
import { receiptFor } from './service.js';

type PaymentParams = { Params: { paymentId: string } };

/** «Квитанция об оплате» of a succeeded payment: the page, the print layout and the PDF. */
const receipts: FastifyPluginAsync = async (app) => {
  const { db } = app;

  /** The receipt, if the payment went to an account the resident may see; 404 otherwise. */
  async function receipt(request: FastifyRequest<PaymentParams>): Promise<ReceiptDocument | null> {
    const paymentId = parseId(request.params.paymentId);
    if (paymentId === null) return null;
    const resident = signedInResident(request);
    const accounts = await accessibleAccounts(db, resident.id);
    return receiptFor(db, resident.id, accounts.map((a) => a.id), paymentId);
  }

  async function showReceipt(request: FastifyRequest<PaymentParams>, reply: FastifyReply, view: 'receipts/show' | 'receipts/print') {
    const doc = await receipt(request);
    if (!doc) return renderError(request, reply, 404);
    const fiscalQr = doc.fiscal ? await qrSvg(doc.fiscal.qr) : null;
    return reply.viewAsync(view, { section: '/payment-history', title: `${doc.title} № ${doc.paymentId}`, doc, qrSvg: fiscalQr });
  }

  app.get<PaymentParams>('/receipts/:paymentId', (request, reply) => showReceipt(request, reply, 'receipts/show'));
  app.get<PaymentParams>('/receipts/:paymentId/print', (request, reply) => showReceipt(request, reply, 'receipts/print'));

  app.get<PaymentParams>('/receipts/:paymentId/pdf', async (request, reply) => {
    const doc = await receipt(request);
    if (!doc) return renderError(request, reply, 404);
    return reply
      .header('Content-Type', 'application/pdf')
      .header('Content-Disposition', `attachment; filename="receipt-${doc.paymentId}.pdf"`)
      .header('Cache-Control', 'private, no-store')
      .send(await receiptPdf(doc));
  });
};

export default receipts;
