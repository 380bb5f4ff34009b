import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { qrSvg } from '../../lib/qr.js';
import type { Config } from '../../config.js';
import { field } from '../../security/input.js';
import type { CreatePaymentRequest, ChargeRecurringRequest } from '../payments/acquirer.js';
import type { PaymentMethod } from '../payments/tables.js';
import { cardDigits, cardOutcome, validateCard, type CardErrors } from './rules.js';
import { chargeWithToken, createSandboxPayment, decide, pageExpired, sandboxPayment, stateOf, type SandboxPayment } from './service.js';

type IdParams = { Params: { id: string } };

const METHODS: PaymentMethod[] = ['card', 'sbp', 'wallet'];
const METHOD_TITLES: Record<PaymentMethod, string> = { card: 'Оплата картой', sbp: 'Оплата через СБП', wallet: 'Оплата электронным кошельком' };
const ORDER_ID = /^[A-Za-z0-9_-]{1,64}$/;

function httpUrl(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 500) return false;
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

function kopecks(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 && value <= 100_000_000_00;
}

function parseCreate(body: unknown): CreatePaymentRequest | null {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (typeof b.orderId !== 'string' || !ORDER_ID.test(b.orderId) || !kopecks(b.amountKopecks)) return null;
  if (typeof b.description !== 'string' || b.description.length < 1 || b.description.length > 250) return null;
  if (typeof b.method !== 'string' || !METHODS.includes(b.method as PaymentMethod) || !httpUrl(b.returnUrl) || !httpUrl(b.notifyUrl)) return null;
  return {
    orderId: b.orderId,
    amountKopecks: b.amountKopecks,
    description: b.description,
    method: b.method as PaymentMethod,
    returnUrl: b.returnUrl,
    notifyUrl: b.notifyUrl,
    saveCard: b.saveCard === true,
  };
}

function parseCharge(body: unknown): ChargeRecurringRequest | null {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (typeof b.orderId !== 'string' || !ORDER_ID.test(b.orderId) || !kopecks(b.amountKopecks)) return null;
  if (typeof b.description !== 'string' || b.description.length < 1 || b.description.length > 250) return null;
  if (typeof b.token !== 'string' || b.token.length > 100 || !httpUrl(b.notifyUrl)) return null;
  return { orderId: b.orderId, amountKopecks: b.amountKopecks, description: b.description, token: b.token, notifyUrl: b.notifyUrl };
}

/**
 * The sandbox acquirer under /sandbox-acquirer: a JSON API for the merchant (Basic
 * credentials: shop id and secret) and the hosted pages the resident pays on. Its
 * state lives in its own tables; the cabinet reaches it only over HTTP.
 */
const sandboxAcquirer: FastifyPluginAsync<{ config: Config }> = async (app, { config }) => {
  const acquirer = config.acquirer;
  if (!acquirer) return;
  const { db, clock } = app;
  const pagePrefix = `${config.publicUrl}/sandbox-acquirer/pay`;
  const expectedAuth = Buffer.from(`Basic ${Buffer.from(`${acquirer.shopId}:${acquirer.secret}`).toString('base64')}`);

  function merchant(request: FastifyRequest, reply: FastifyReply): boolean {
    const given = Buffer.from(request.headers.authorization ?? '');
    if (given.length === expectedAuth.length && timingSafeEqual(given, expectedAuth)) return true;
    void reply.code(401).header('WWW-Authenticate', 'Basic realm="sandbox-acquirer"').send({ error: 'unauthorized' });
    return false;
  }

  const api = { config: { csrf: false as const } };

  app.post('/sandbox-acquirer/api/payments', api, async (request, reply) => {
    if (!merchant(request, reply)) return reply;
    const input = parseCreate(request.body);
    if (!input) return reply.code(422).send({ error: 'invalid_request' });
    const payment = await createSandboxPayment(db, input);
    return { ...stateOf(payment), confirmationUrl: `${pagePrefix}/${payment.id}` };
  });

  app.get<IdParams>('/sandbox-acquirer/api/payments/:id', async (request, reply) => {
    if (!merchant(request, reply)) return reply;
    const payment = await sandboxPayment(db, request.params.id);
    if (!payment) return reply.code(404).send({ error: 'not_found' });
    return stateOf(payment);
  });

  app.post('/sandbox-acquirer/api/recurring-charges', api, async (request, reply) => {
    if (!merchant(request, reply)) return reply;
    const input = parseCharge(request.body);
    if (!input) return reply.code(422).send({ error: 'invalid_request' });
    return stateOf(await chargeWithToken(db, input, clock.now()));
  });

  // The hosted pages. The payment id in the address is long and random: it is the
  // resident's ticket to this page, as on a real acquirer's.

  /** The payment if its page may still take a decision; otherwise the page that says why is sent, and null. */
  async function openPayment(request: FastifyRequest<IdParams>, reply: FastifyReply): Promise<SandboxPayment | null> {
    const payment = await sandboxPayment(db, request.params.id);
    if (!payment) {
      reply.code(404).type('text/html; charset=utf-8').send(await reply.viewAsync('sandbox-acquirer/message', { title: 'Платёж не найден', message: 'Ссылка на оплату неверна. Вернитесь в личный кабинет и начните оплату снова.' }));
      return null;
    }
    if (payment.status === 'succeeded' || payment.status === 'failed') {
      reply.type('text/html; charset=utf-8').send(await reply.viewAsync('sandbox-acquirer/message', { title: 'Платёж уже обработан', message: 'Решение по этому платежу уже принято.', back: payment.return_url }));
      return null;
    }
    if (pageExpired(payment, clock.now())) {
      reply.code(410).type('text/html; charset=utf-8').send(await reply.viewAsync('sandbox-acquirer/message', { title: 'Время на оплату истекло', message: 'Вернитесь в личный кабинет и начните оплату снова.', back: payment.return_url }));
      return null;
    }
    return payment;
  }

  function page(reply: FastifyReply, payment: SandboxPayment, extra: Record<string, unknown> = {}) {
    return reply.header('Cache-Control', 'no-store').viewAsync(`sandbox-acquirer/${payment.method}`, {
      title: METHOD_TITLES[payment.method],
      payment: { id: payment.id, amountKopecks: Number(payment.amount_kopecks), description: payment.description },
      action: `/sandbox-acquirer/pay/${payment.id}`,
      ...extra,
    });
  }

  async function decided(reply: FastifyReply, payment: SandboxPayment) {
    return reply.redirect(payment.return_url, 303);
  }

  app.get<IdParams>('/sandbox-acquirer/pay/:id', async (request, reply) => {
    const payment = await openPayment(request, reply);
    if (!payment) return reply;
    if (payment.status === 'three_ds') return reply.redirect(`/sandbox-acquirer/pay/${payment.id}/3ds`, 303);
    const qr = payment.method === 'sbp'
      ? await qrSvg(`https://qr.nspk.ru/${payment.id}?type=02&sum=${payment.amount_kopecks}&cur=RUB`)
      : null;
    return page(reply, payment, { qr, form: { number: '', expiry: '', cvc: '' }, errors: {} });
  });

  app.post<IdParams>('/sandbox-acquirer/pay/:id/card', async (request, reply) => {
    const payment = await openPayment(request, reply);
    if (!payment) return reply;
    if (payment.method !== 'card' || payment.status !== 'pending') return reply.redirect(`/sandbox-acquirer/pay/${payment.id}`, 303);
    const form = { number: field(request.body, 'number'), expiry: field(request.body, 'expiry'), cvc: field(request.body, 'cvc') };
    const errors: CardErrors = validateCard(form, clock.today());
    if (Object.keys(errors).length > 0) {
      // The card number never comes back into the page, nor the CVC.
      return page(reply.code(422), payment, { form: { number: '', expiry: form.expiry, cvc: '' }, errors });
    }
    const digits = cardDigits(form.number);
    const card = { last4: digits.slice(-4) };
    const outcome = cardOutcome(digits);
    if (outcome === 'three_ds') {
      await decide(db, payment.id, { outcome: 'three_ds' }, card, clock.now());
      return reply.redirect(`/sandbox-acquirer/pay/${payment.id}/3ds`, 303);
    }
    await decide(db, payment.id, outcome === 'approve' ? { outcome: 'succeeded' } : { outcome: 'failed', reason: 'card_declined' }, card, clock.now());
    return decided(reply, payment);
  });

  app.get<IdParams>('/sandbox-acquirer/pay/:id/3ds', async (request, reply) => {
    const payment = await openPayment(request, reply);
    if (!payment) return reply;
    if (payment.status !== 'three_ds') return reply.redirect(`/sandbox-acquirer/pay/${payment.id}`, 303);
    return reply.header('Cache-Control', 'no-store').viewAsync('sandbox-acquirer/three-ds', {
      title: 'Подтверждение платежа (3-D Secure)',
      payment: { id: payment.id, amountKopecks: Number(payment.amount_kopecks), description: payment.description, last4: payment.card_last4 },
      action: `/sandbox-acquirer/pay/${payment.id}/3ds`,
    });
  });

  app.post<IdParams>('/sandbox-acquirer/pay/:id/3ds', async (request, reply) => {
    const payment = await openPayment(request, reply);
    if (!payment) return reply;
    if (payment.status !== 'three_ds') return reply.redirect(`/sandbox-acquirer/pay/${payment.id}`, 303);
    const confirmed = field(request.body, 'decision') === 'confirm';
    await decide(db, payment.id, confirmed ? { outcome: 'succeeded' } : { outcome: 'failed', reason: 'three_ds_refused' }, null, clock.now());
    return decided(reply, payment);
  });

  // СБП: the button stands for confirming in the bank's app; the e-wallet pays at once.
  app.post<IdParams>('/sandbox-acquirer/pay/:id/confirmation', async (request, reply) => {
    const payment = await openPayment(request, reply);
    if (!payment) return reply;
    if (payment.method === 'card') return reply.redirect(`/sandbox-acquirer/pay/${payment.id}`, 303);
    await decide(db, payment.id, { outcome: 'succeeded' }, null, clock.now());
    return decided(reply, payment);
  });

  app.post<IdParams>('/sandbox-acquirer/pay/:id/cancellation', async (request, reply) => {
    const payment = await openPayment(request, reply);
    if (!payment) return reply;
    await decide(db, payment.id, { outcome: 'failed', reason: 'cancelled' }, null, clock.now());
    return decided(reply, payment);
  });
};

export default sandboxAcquirer;
