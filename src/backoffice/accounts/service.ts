import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { isCalendarDate } from '../../lib/calendar.js';
import { RESOURCE_NAMES, parseReading } from '../../features/readings/rules.js';
import { installMeter, retireMeter } from '../../features/readings/service.js';
import { normalisePayerCode } from '../../features/linking/rules.js';
import { recordAudit } from '../../audit/writer.js';
import { holdersOf, type Holder } from '../link-requests/service.js';
import { transfersOf, type Transfer } from './ownership.js';
import { type Resource } from '../../features/readings/tables.js';

// «Лицевые счета»: staff look payer accounts up by payer code or address, see the
// meters and record meter replacements.

export const PAGE_SIZE = 20;

export type AccountRow = { id: number; payerCode: string; address: string; flat: string; provider: string };

function accountsQuery(db: Kysely<Database>) {
  return db
    .selectFrom('payer_accounts as pa')
    .innerJoin('premises as p', 'p.id', 'pa.premises_id')
    .innerJoin('buildings as b', 'b.id', 'p.building_id')
    .innerJoin('providers as pr', 'pr.id', 'pa.provider_id')
    .select(['pa.id', 'pa.payer_code', 'b.address', 'p.flat_number', 'pr.name as provider']);
}

/**
 * A full payer code (spaces and dashes allowed) finds that account; any other text
 * is looked for in addresses (trigram index on lower(address)).
 */
export async function searchAccounts(db: Kysely<Database>, q: string, page: number): Promise<{ accounts: AccountRow[]; hasNext: boolean }> {
  const text = q.trim();
  if (text === '') return { accounts: [], hasNext: false };
  const code = normalisePayerCode(text);
  let query = accountsQuery(db);
  if (code) query = query.where('pa.payer_code', '=', code);
  else {
    const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where(sql<string>`lower(b.address)`, 'like', pattern);
  }
  const rows = await query
    .orderBy('b.address')
    .orderBy(sql`length(p.flat_number)`)
    .orderBy('p.flat_number')
    .orderBy('pa.id')
    .limit(PAGE_SIZE + 1)
    .offset((page - 1) * PAGE_SIZE)
    .execute();
  return {
    accounts: rows.slice(0, PAGE_SIZE).map((r) => ({ id: r.id, payerCode: r.payer_code, address: r.address, flat: r.flat_number, provider: r.provider })),
    hasNext: rows.length > PAGE_SIZE,
  };
}

export type StaffMeter = {
  id: number;
  resource: Resource;
  resourceName: string;
  serialNumber: string;
  zones: number;
  nextVerificationDate: string;
  installedOn: string;
  replacedOn: string | null;
  active: boolean;
  lastPeriod: string | null;
  lastValues: number[] | null;
};

export type AccountDetail = AccountRow & { area: number; residentsCount: number; holders: Holder[]; transfers: Transfer[]; meters: StaffMeter[] };

export async function accountDetail(db: Kysely<Database>, id: number): Promise<AccountDetail | null> {
  const row = await accountsQuery(db).select(['p.area', 'p.residents_count']).where('pa.id', '=', id).executeTakeFirst();
  if (!row) return null;
  const [holders, transfers] = [await holdersOf(db, id), await transfersOf(db, id)];
  const meters = await db
    .selectFrom('meters as m')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('meter_readings as mr')
          .select(['mr.period', 'mr.value_t1', 'mr.value_t2', 'mr.value_t3'])
          .whereRef('mr.meter_id', '=', 'm.id')
          .orderBy('mr.period', 'desc')
          .limit(1)
          .as('last'),
      (join) => join.onTrue(),
    )
    .selectAll('m')
    .select(['last.period', 'last.value_t1', 'last.value_t2', 'last.value_t3'])
    .where('m.payer_account_id', '=', id)
    .orderBy('m.active', 'desc')
    .orderBy('m.resource')
    .orderBy('m.id')
    .execute();
  return {
    id: row.id,
    payerCode: row.payer_code,
    address: row.address,
    flat: row.flat_number,
    provider: row.provider,
    area: row.area,
    residentsCount: row.residents_count,
    holders,
    transfers,
    meters: meters.map((m) => ({
      id: m.id,
      resource: m.resource,
      resourceName: RESOURCE_NAMES[m.resource],
      serialNumber: m.serial_number,
      zones: m.zones,
      nextVerificationDate: m.next_verification_date,
      installedOn: m.installed_on,
      replacedOn: m.replaced_on,
      active: m.active,
      lastPeriod: m.period,
      lastValues: m.value_t1 === null ? null : [m.value_t1, m.value_t2 ?? 0, m.value_t3 ?? 0].slice(0, m.zones),
    })),
  };
}

export type ReplacementForm = { replacedOn: string; final: string[]; serialNumber: string; nextVerificationDate: string; initial: string[] };
export type ReplacementErrors = Record<string, string>;

type NewMeterFields = { serialNumber: string; nextVerificationDate: string; initial: number[] };

/**
 * The new meter's fields, shared by a replacement, an added meter and an approved
 * request: the serial number, «Дата следующей поверки» (after today) and the
 * initial reading per zone (fields `${prefix}1..3`).
 */
export function validateNewMeter(
  form: { serialNumber: string; nextVerificationDate: string; initial: string[] },
  zones: number,
  today: string,
  errors: Record<string, string>,
  prefix = 'initial',
): NewMeterFields {
  const serialNumber = form.serialNumber.trim();
  if (serialNumber === '') errors.serialNumber = 'Введите заводской номер счётчика';
  else if (!/^[A-Za-zА-Яа-яЁё0-9-]{1,30}$/.test(serialNumber)) errors.serialNumber = 'Заводской номер — до 30 букв, цифр и дефисов';
  const date = form.nextVerificationDate.trim();
  if (!isCalendarDate(date)) errors.nextVerificationDate = 'Введите дату следующей поверки';
  else if (date <= today) errors.nextVerificationDate = 'Дата следующей поверки должна быть позже сегодняшней';
  const initial = readingsOfForm(form.initial, zones, errors, prefix);
  return { serialNumber, nextVerificationDate: date, initial };
}

function readingsOfForm(values: string[], zones: number, errors: Record<string, string>, prefix: string): number[] {
  const parsed: number[] = [];
  for (let zone = 1; zone <= zones; zone += 1) {
    const reading = parseReading(values[zone - 1] ?? '');
    if (reading.ok) parsed.push(reading.value);
    else errors[`${prefix}${zone}`] = reading.error;
  }
  return parsed;
}

/**
 * Checks the form; on success gives the parsed values. The old meter's final reading
 * is final1..final3, the new one's initial reading initial1..initial3.
 */
export function validateReplacement(
  form: ReplacementForm,
  meter: { zones: number; serialNumber: string },
  today: string,
): ({ ok: true; replacedOn: string; final: number[] } & NewMeterFields) | { ok: false; errors: ReplacementErrors } {
  const errors: ReplacementErrors = {};
  const replacedOn = form.replacedOn.trim();
  if (!isCalendarDate(replacedOn)) errors.replacedOn = 'Введите дату замены';
  const final = readingsOfForm(form.final, meter.zones, errors, 'final');
  const fresh = validateNewMeter(form, meter.zones, today, errors);
  if (!errors.serialNumber && fresh.serialNumber === meter.serialNumber) errors.serialNumber = 'Это номер заменяемого счётчика: введите номер нового';
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, replacedOn, final, ...fresh };
}

/**
 * Retires the old meter on the replacement date with its final reading (billed in
 * that period) and installs the new one from that date with its initial reading,
 * so the next reading is compared with the new meter's start. Audited.
 */
export async function replaceMeter(
  trx: Transaction<Database>,
  input: { accountId: number; meterId: number; staffId: number; replacedOn: string; final: number[]; serialNumber: string; initial: number[]; nextVerificationDate: string; today: string; now: Date; ip: string },
): Promise<{ ok: true; newMeterId: number } | { ok: false; errors: ReplacementErrors } | null> {
  const retired = await retireMeter(trx, { accountId: input.accountId, meterId: input.meterId, replacedOn: input.replacedOn, final: input.final, today: input.today, now: input.now });
  if (!retired || !retired.ok) return retired;
  const old = retired.meter;
  const newMeterId = await installMeter(trx, {
    accountId: input.accountId,
    resource: old.resource,
    serialNumber: input.serialNumber,
    zones: old.zones,
    nextVerificationDate: input.nextVerificationDate,
    installedOn: input.replacedOn,
    initial: input.initial,
  });
  await trx
    .insertInto('meter_replacements')
    .values({ old_meter_id: old.id, new_meter_id: newMeterId, replaced_on: input.replacedOn, staff_id: input.staffId })
    .execute();
  await recordAudit(trx, {
    staffId: input.staffId,
    action: 'meter.replaced',
    subjectType: 'meter',
    subjectId: old.id,
    details: { accountId: input.accountId, oldSerial: old.serialNumber, newSerial: input.serialNumber, newMeterId, replacedOn: input.replacedOn, final: input.final, initial: input.initial },
    ip: input.ip,
  });
  return { ok: true, newMeterId };
}

export const RESOURCES = Object.keys(RESOURCE_NAMES) as Resource[];

export type NewMeterForm = { resource: string; zones: string; serialNumber: string; installedOn: string; nextVerificationDate: string; initial: string[] };

export type CheckedMeter = NewMeterFields & { resource: Resource; zones: number; installedOn: string };

/**
 * «Добавить счётчик»: a resource the account has no working meter of (checked again
 * when saving), 1–3 zones for electricity and one otherwise, the commissioning date
 * (not in the future) and the new meter's fields.
 */
export function validateAddedMeter(
  form: NewMeterForm,
  working: Resource[],
  today: string,
): ({ ok: true } & CheckedMeter) | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const resource = RESOURCES.find((r) => r === form.resource);
  if (!resource) errors.resource = 'Выберите ресурс';
  else if (working.includes(resource)) errors.resource = `На лицевом счёте уже есть работающий счётчик: ${RESOURCE_NAMES[resource].toLowerCase()}. Чтобы поставить другой, запишите замену`;
  const zones = resource === 'electricity' ? Number(form.zones) : 1;
  if (![1, 2, 3].includes(zones)) errors.zones = 'Выберите число тарифных зон';
  const installedOn = form.installedOn.trim();
  if (!isCalendarDate(installedOn)) errors.installedOn = 'Введите дату ввода в эксплуатацию';
  else if (installedOn > today) errors.installedOn = 'Дата ввода в эксплуатацию не может быть позже сегодняшней';
  const fresh = validateNewMeter(form, [1, 2, 3].includes(zones) ? zones : 1, today, errors);
  return Object.keys(errors).length > 0 || !resource ? { ok: false, errors } : { ok: true, resource, zones, installedOn, ...fresh };
}

/** Registers a meter on an account without a working meter of that resource; audited. False when one appeared meanwhile. */
export async function addMeter(trx: Transaction<Database>, input: { accountId: number; staffId: number; meter: CheckedMeter; ip: string; requestId?: number }): Promise<number | null> {
  // One working meter per resource: serialise concurrent additions on the account row.
  await trx.selectFrom('payer_accounts').select('id').where('id', '=', input.accountId).forUpdate().executeTakeFirstOrThrow();
  const existing = await trx.selectFrom('meters').select('id').where('payer_account_id', '=', input.accountId).where('resource', '=', input.meter.resource).where('active', '=', true).executeTakeFirst();
  if (existing) return null;
  const meterId = await installMeter(trx, { accountId: input.accountId, ...input.meter });
  await recordAudit(trx, {
    staffId: input.staffId,
    action: 'meter.added',
    subjectType: 'meter',
    subjectId: meterId,
    details: { accountId: input.accountId, resource: input.meter.resource, serial: input.meter.serialNumber, zones: input.meter.zones, installedOn: input.meter.installedOn, initial: input.meter.initial, ...(input.requestId ? { requestId: input.requestId } : {}) },
    ip: input.ip,
  });
  return meterId;
}

/** «Дата поверки» (not in the future) and the new «Дата следующей поверки» (after it). */
export function validateVerification(form: { verifiedOn: string; nextVerificationDate: string }, today: string): { ok: true; verifiedOn: string; next: string } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const verifiedOn = form.verifiedOn.trim();
  const next = form.nextVerificationDate.trim();
  if (!isCalendarDate(verifiedOn)) errors.verifiedOn = 'Введите дату поверки';
  else if (verifiedOn > today) errors.verifiedOn = 'Дата поверки не может быть позже сегодняшней';
  if (!isCalendarDate(next)) errors.nextVerificationDate = 'Введите дату следующей поверки';
  else if (next <= today) errors.nextVerificationDate = 'Дата следующей поверки должна быть позже сегодняшней';
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, verifiedOn, next };
}

/** A passed verification: the same meter, a new next-verification date; audited. */
export async function recordVerification(
  trx: Transaction<Database>,
  input: { accountId: number; meterId: number; staffId: number; verifiedOn: string; next: string; ip: string },
): Promise<boolean> {
  const meter = await trx
    .updateTable('meters')
    .set({ next_verification_date: input.next })
    .where('id', '=', input.meterId)
    .where('payer_account_id', '=', input.accountId)
    .where('active', '=', true)
    .returning(['id', 'serial_number'])
    .executeTakeFirst();
  if (!meter) return false;
  await recordAudit(trx, {
    staffId: input.staffId,
    action: 'meter.verified',
    subjectType: 'meter',
    subjectId: meter.id,
    details: { accountId: input.accountId, serial: meter.serial_number, verifiedOn: input.verifiedOn, nextVerificationDate: input.next },
    ip: input.ip,
  });
  return true;
}
