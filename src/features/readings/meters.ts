import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { isCalendarDate } from '../../lib/calendar.js';
import { RESOURCE_NAMES, parseReading } from './rules.js';
import { installMeter, retireMeter } from './service.js';
import { recordAudit } from '../../audit/writer.js';
import type { Resource } from './tables.js';

// A meter's life cycle as staff record it (replacement, an added meter, a passed
// verification) and as an approved resident request applies it: the rules and the
// writes live with the readings, so the back office and resident features share them.

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
