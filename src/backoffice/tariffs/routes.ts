import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { signedInStaff } from '../../plugins/auth.js';
import { field } from '../../security/input.js';
import { isCalendarDate } from '../../lib/calendar.js';
import { parseRubles } from '../../lib/decimal.js';
import { addPayee, addTariff, listPayees, listServices, listTariffs, type ServiceInfo } from '../../features/billing/reference.js';
import { EMPTY_PAYEE_FORM, validatePayee, type PayeeForm } from './payee-form.js';
import type { Zone } from '../../features/billing/tables.js';

export const PLAN_LABELS: Record<string, string> = { '1': 'Однотарифный', '2': 'Двухтарифный', '3': 'Трёхтарифный' };
export const ZONE_LABELS: Record<Zone, string> = { T1: 'T1 (день / пик)', T2: 'T2 (ночь)', T3: 'T3 (полупик)' };

const DONE_NOTICES: Record<string, string> = { added: 'Тариф добавлен.', 'payee-added': 'Получатель платежей добавлен.' };

type TariffForm = { service: string; plan: string; zone: string; price: string; valid_from: string; valid_to: string };

function validate(form: TariffForm, services: ServiceInfo[]) {
  const errors: Partial<Record<keyof TariffForm, string>> = {};
  const service = services.find((s) => s.code === form.service);
  if (!service) errors.service = 'Выберите услугу';
  const plan = Number(form.plan);
  if (![1, 2, 3].includes(plan)) errors.plan = 'Выберите тарифный план';
  else if (plan > 1 && form.service !== 'electricity') errors.plan = 'Зоны суток бывают только у электроэнергии';
  const zone = form.zone as Zone;
  if (!['T1', 'T2', 'T3'].includes(zone)) errors.zone = 'Выберите зону';
  else if ((zone === 'T2' && plan < 2) || (zone === 'T3' && plan !== 3)) errors.zone = 'В этом тарифном плане нет такой зоны';
  const price = parseRubles(form.price);
  if (!price.ok) errors.price = price.error;
  if (!isCalendarDate(form.valid_from)) errors.valid_from = 'Введите дату начала действия в формате ГГГГ-ММ-ДД';
  if (form.valid_to !== '' && !isCalendarDate(form.valid_to)) errors.valid_to = 'Введите дату окончания в формате ГГГГ-ММ-ДД или оставьте поле пустым';
  else if (form.valid_to !== '' && form.valid_to < form.valid_from) errors.valid_to = 'Дата окончания не может быть раньше даты начала';
  if (Object.keys(errors).length > 0 || !price.ok) return { ok: false as const, errors };
  return { ok: true as const, tariff: { service: form.service, plan, zone, priceKopecks: price.value, validFrom: form.valid_from, validTo: form.valid_to || null } };
}

/** «Тарифы» (admin): tariffs as dated rows, a new row from a date on, and the payees. */
const tariffs: FastifyPluginAsync = async (app) => {
  const { db, clock } = app;

  type PageExtra = { form?: TariffForm; errors?: Record<string, string>; payeeForm?: PayeeForm; payeeErrors?: Record<string, string>; notice?: string };

  async function showPage(reply: FastifyReply, extra: PageExtra = {}) {
    const today = clock.today();
    return reply.viewAsync('backoffice/tariffs/index', {
      title: 'Тарифы',
      tariffs: await listTariffs(db, today),
      services: await listServices(db),
      payees: await listPayees(db),
      planLabels: PLAN_LABELS,
      zoneLabels: ZONE_LABELS,
      form: extra.form ?? { service: '', plan: '1', zone: 'T1', price: '', valid_from: '', valid_to: '' },
      errors: extra.errors ?? {},
      payeeForm: extra.payeeForm ?? EMPTY_PAYEE_FORM,
      payeeErrors: extra.payeeErrors ?? {},
      notice: extra.notice,
    });
  }

  app.get<{ Querystring: { done?: string } }>('/', async (request, reply) => {
    return showPage(reply, { notice: DONE_NOTICES[request.query.done ?? ''] });
  });

  app.post('/', async (request, reply) => {
    const form: TariffForm = {
      service: field(request.body, 'service'),
      plan: field(request.body, 'plan'),
      zone: field(request.body, 'zone'),
      price: field(request.body, 'price').trim(),
      valid_from: field(request.body, 'valid_from').trim(),
      valid_to: field(request.body, 'valid_to').trim(),
    };
    const checked = validate(form, await listServices(db));
    if (!checked.ok) return showPage(reply.code(422), { form, errors: checked.errors });
    const staff = signedInStaff(request);
    const result = await db.transaction().execute((trx) => addTariff(trx, checked.tariff, { staffId: staff.id, ip: request.ip }));
    if (!result.ok) return showPage(reply.code(422), { form, errors: { valid_from: 'Для этой услуги и зоны уже есть тариф с этой даты' } });
    return reply.redirect('/admin/tariffs?done=added', 303);
  });

  app.post('/payees', async (request, reply) => {
    const form = Object.fromEntries(Object.keys(EMPTY_PAYEE_FORM).map((name) => [name, field(request.body, name)])) as PayeeForm;
    const checked = validatePayee(form);
    if (!checked.ok) return showPage(reply.code(422), { payeeForm: form, payeeErrors: checked.errors });
    const staff = signedInStaff(request);
    const result = await db.transaction().execute((trx) => addPayee(trx, checked.payee, { staffId: staff.id, ip: request.ip }));
    if (!result.ok) return showPage(reply.code(422), { payeeForm: form, payeeErrors: { name: 'Получатель с таким наименованием уже есть' } });
    return reply.redirect('/admin/tariffs?done=payee-added#payees', 303);
  });
};

export default tariffs;
