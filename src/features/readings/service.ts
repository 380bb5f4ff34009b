import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { readTogether, type ReadResults } from '../../db/together.js';
import type { AccountIdsQuery } from '../accounts/access.js';
import { addMonths, periodOf } from '../../lib/calendar.js';
import { count, period as formatPeriod } from '../../lib/format.js';
import {
  JUMP_RULE,
  RESOURCE_NAMES,
  RESOURCE_UNITS,
  ZONE_NAMES,
  consumption,
  lowerThanPrevious,
  monthlyConsumption,
  monthsBetween,
  parseReading,
  replacementDateProblem,
  unusualJump,
  verificationDueSoon,
  verificationOverdue,
  windowState,
  type WindowRule,
  type WindowState,
} from './rules.js';
import { type ReadingWindowTable, type Resource } from './tables.js';

type MeterRow = {
  id: number;
  payer_account_id: number;
  resource: Resource;
  serial_number: string;
  zones: number;
  next_verification_date: string;
  installed_on: string;
  initial_t1: number;
  initial_t2: number | null;
  initial_t3: number | null;
  replaced_on: string | null;
  active: boolean;
};

type ReadingRow = { meter_id: number; period: string; value_t1: number; value_t2: number | null; value_t3: number | null; submitted_at: Date };

export type Zone = { field: string; label: string; previous: number; submitted: number | null };

export type MeterPanel = {
  id: number;
  resource: Resource;
  resourceName: string;
  unit: string;
  serialNumber: string;
  nextVerificationDate: string;
  overdue: boolean;
  dueSoon: boolean;
  window: WindowState;
  /** The reading already sent for the open period (a new one replaces it). */
  submittedAt: Date | null;
  zones: Zone[];
};

/** `months`: how many months the consumption covers (more than one after a gap). */
export type HistoryEntry = { period: string; values: number[]; used: number; months: number; submittedAt: Date };

function valuesOf(row: { value_t1: number; value_t2: number | null; value_t3: number | null }, zones: number): number[] {
  return [row.value_t1, row.value_t2 ?? 0, row.value_t3 ?? 0].slice(0, zones);
}

function initialValues(meter: MeterRow): number[] {
  return [meter.initial_t1, meter.initial_t2 ?? 0, meter.initial_t3 ?? 0].slice(0, meter.zones);
}

/** "Показания: Электроэнергия T1 (день), № 123" for multi-zone meters, "Показания: Холодная вода, № 123" otherwise. */
function zoneLabel(resource: Resource, zones: number, zone: number, serial: string): string {
  const zoneName = zones > 1 ? ` ${zoneTitle(zones, zone)}` : '';
  return `Показания: ${RESOURCE_NAMES[resource]}${zoneName}, № ${serial}`;
}

function zoneTitle(zones: number, zone: number): string {
  return `T${zone} (${ZONE_NAMES[zones]?.[zone - 1] ?? ''})`;
}

function fieldName(meterId: number, zone: number): string {
  return `m${meterId}t${zone}`;
}

function sumOf(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** Per period, oldest first: the values and the consumption since the previous reading (or installation). */
function historyOf(meter: MeterRow, readings: ReadingRow[]): HistoryEntry[] {
  let previous = initialValues(meter);
  let previousPeriod = periodOf(meter.installed_on);
  return readings
    .filter((r) => r.meter_id === meter.id)
    .sort((a, b) => a.period.localeCompare(b.period))
    .map((r) => {
      const values = valuesOf(r, meter.zones);
      const used = sumOf(values.map((v, i) => consumption(v, previous[i]!)));
      const months = monthsBetween(previousPeriod, r.period);
      previous = values;
      previousPeriod = r.period;
      return { period: r.period, values, used, months, submittedAt: r.submitted_at };
    });
}

type AccountIds = number[] | AccountIdsQuery;

function metersQuery(db: Kysely<Database>, accountIds: AccountIds, activeOnly: boolean) {
  let query = db.selectFrom('meters').selectAll().where('payer_account_id', 'in', accountIds);
  if (activeOnly) query = query.where('active', '=', true);
  return query.orderBy('id');
}

// The order of RESOURCE_NAMES: water first, as on the bill.
function byResource(rows: MeterRow[]): MeterRow[] {
  const order = Object.keys(RESOURCE_NAMES);
  return rows.sort((a, b) => order.indexOf(a.resource) - order.indexOf(b.resource));
}

async function metersOf(db: Kysely<Database>, accountIds: number[], activeOnly: boolean): Promise<MeterRow[]> {
  if (accountIds.length === 0) return [];
  return byResource(await metersQuery(db, accountIds, activeOnly).execute());
}

function readingsQuery(db: Kysely<Database>) {
  return db.selectFrom('meter_readings').select(['meter_id', 'period', 'value_t1', 'value_t2', 'value_t3', 'submitted_at']);
}

async function readingsOf(db: Kysely<Database>, meterIds: number[]): Promise<ReadingRow[]> {
  if (meterIds.length === 0) return [];
  return readingsQuery(db).where('meter_id', 'in', meterIds).execute();
}

type Prepared = {
  meter: MeterRow;
  window: WindowState;
  overdue: boolean;
  dueSoon: boolean;
  previous: number[];
  /** The period of the previous reading (or of installation): a new reading's consumption covers the months since. */
  previousPeriod: string;
  submitted: ReadingRow | null;
  /** Monthly consumption of the earlier readings, newest first. */
  pastUse: number[];
};

/** Every reading window rule (a handful of dated rows per resource): rows for windowRulesOf. */
export function readingWindowsQuery(db: Kysely<Database>) {
  return db.selectFrom('reading_windows').selectAll().orderBy('resource').orderBy('valid_from');
}

export function windowRulesOf(rows: Selectable<ReadingWindowTable>[]): WindowRule[] {
  return rows.map((r) => ({ resource: r.resource, validFrom: r.valid_from, opensDay: r.opens_day, closesDay: r.closes_day, closesNextMonth: r.closes_next_month }));
}


// Enough history for the jump rule: the last JUMP_RULE.periods periods before the
// open one, plus the reading before them and the open period itself.
function historySince(today: string): string {
  return addMonths(`${today.slice(0, 7)}-01`, -(JUMP_RULE.periods + 2));
}

/**
 * What the meter panels of some accounts (ids, or a subquery of them) are made of:
 * reads for readTogether, in one round trip with whatever else the page reads.
 */
export function meterPanelReads(db: Kysely<Database>, accountIds: AccountIds, today: string) {
  const since = historySince(today);
  const activeMeterIds = metersQuery(db, accountIds, true).clearSelect().clearOrderBy().select('id');
  return {
    meters: metersQuery(db, accountIds, true),
    windows: readingWindowsQuery(db),
    readings: readingsQuery(db).where('meter_id', 'in', activeMeterIds).where('period', '>=', since),
    // The reading just before the fetched range (if any) anchors the oldest consumption.
    anchors: readingsQuery(db)
      .distinctOn('meter_id')
      .where('meter_id', 'in', activeMeterIds)
      .where('period', '<', since)
      .orderBy('meter_id')
      .orderBy('period', 'desc'),
  };
}

type MeterPanelRows = ReadResults<ReturnType<typeof meterPanelReads>>;

async function prepare(db: Kysely<Database>, accountIds: AccountIds, today: string): Promise<Prepared[]> {
  if (Array.isArray(accountIds) && accountIds.length === 0) return [];
  return preparedFrom(await readTogether(db, meterPanelReads(db, accountIds, today)), today);
}

function preparedFrom(read: MeterPanelRows, today: string): Prepared[] {
  const since = historySince(today);
  const meters = byResource(read.meters);
  const windows = windowRulesOf(read.windows);
  const { readings, anchors } = read;
  return meters.map((meter) => {
    const window = windowState(windows, meter.resource, today);
    const period = window.open ? window.period : null;
    const own = [...anchors, ...readings].filter((r) => r.meter_id === meter.id);
    const history = historyOf(meter, own).filter((h) => h.period >= since);
    const before = history.filter((h) => period === null || h.period < period);
    const last = before[before.length - 1];
    const anchor = anchors.find((a) => a.meter_id === meter.id);
    const previous = last ? last.values : anchor ? valuesOf(anchor, meter.zones) : initialValues(meter);
    const previousPeriod = last ? last.period : anchor ? anchor.period : periodOf(meter.installed_on);
    return {
      meter,
      window,
      overdue: verificationOverdue(meter.next_verification_date, today),
      dueSoon: verificationDueSoon(meter.next_verification_date, today),
      previous,
      previousPeriod,
      submitted: period ? (own.find((r) => r.period === period) ?? null) : null,
      pastUse: before.map((h) => monthlyConsumption(h.used, h.months)).reverse(),
    };
  });
}

function panelOf(p: Prepared): MeterPanel {
  const { meter } = p;
  const submitted = p.submitted ? valuesOf(p.submitted, meter.zones) : null;
  return {
    id: meter.id,
    resource: meter.resource,
    resourceName: RESOURCE_NAMES[meter.resource],
    unit: RESOURCE_UNITS[meter.resource],
    serialNumber: meter.serial_number,
    nextVerificationDate: meter.next_verification_date,
    overdue: p.overdue,
    dueSoon: p.dueSoon,
    window: p.window,
    submittedAt: p.submitted?.submitted_at ?? null,
    zones: p.previous.map((previous, i) => ({
      field: fieldName(meter.id, i + 1),
      label: zoneLabel(meter.resource, meter.zones, i + 1, meter.serial_number),
      previous,
      submitted: submitted ? submitted[i]! : null,
    })),
  };
}

/** The account's active meters as the readings form shows them on `today`. */
export async function meterPanels(db: Kysely<Database>, accountId: number, today: string): Promise<MeterPanel[]> {
  return (await prepare(db, [accountId], today)).map(panelOf);
}

/** Meter panels by account id from meterPanelReads' rows; accounts without meters have no entry. */
export function panelsByAccount(read: MeterPanelRows, today: string): Map<number, MeterPanel[]> {
  const result = new Map<number, MeterPanel[]>();
  for (const p of preparedFrom(read, today)) {
    const panels = result.get(p.meter.payer_account_id) ?? [];
    panels.push(panelOf(p));
    result.set(p.meter.payer_account_id, panels);
  }
  return result;
}

/** Meter panels for several accounts at once, by account id. */
export async function meterPanelsFor(db: Kysely<Database>, accountIds: number[], today: string): Promise<Map<number, MeterPanel[]>> {
  if (accountIds.length === 0) return new Map();
  return panelsByAccount(await readTogether(db, meterPanelReads(db, accountIds, today)), today);
}

export type SubmitResult =
  | { ok: true; saved: number }
  /** `confirmMeters`: the meters whose jump the resident is asked to confirm. */
  | { ok: false; errors: Record<string, string>; needsConfirmation: boolean; confirmMeters: number[] };

/**
 * Checks and saves the readings typed for an account's meters. Blank meters are
 * skipped. Within the window a new reading for the period replaces the earlier one.
 */
export async function submitReadings(
  trx: Transaction<Database>,
  input: { accountId: number; residentId: number; today: string; now: Date; form: Record<string, string>; confirmed: boolean },
): Promise<SubmitResult> {
  const prepared = await prepare(trx, [input.accountId], input.today);
  const errors: Record<string, string> = {};
  const confirmMeters: number[] = [];
  const toSave: { meter: MeterRow; period: string; values: number[] }[] = [];

  for (const p of prepared) {
    const fields = p.previous.map((_, i) => fieldName(p.meter.id, i + 1));
    const raw = fields.map((f) => (input.form[f] ?? '').trim());
    if (raw.every((v) => v === '')) continue;
    const first = fields[0]!;
    if (p.overdue) {
      errors[first] = `Срок поверки счётчика № ${p.meter.serial_number} истёк ${formatDate(p.meter.next_verification_date)}: показания не принимаются. Обратитесь в управляющую организацию, чтобы поверить или заменить счётчик.`;
      continue;
    }
    if (!p.window.open) {
      errors[first] = `Приём показаний откроется ${formatDate(p.window.opensOn)}`;
      continue;
    }
    const commissioned = periodOf(p.meter.installed_on);
    if (p.window.period < commissioned) {
      errors[first] = `Счётчик № ${p.meter.serial_number} введён в эксплуатацию ${formatDate(p.meter.installed_on)}: показания за период до этой даты не принимаются. Передайте их со следующего периода.`;
      continue;
    }
    const values: number[] = [];
    raw.forEach((text, i) => {
      const parsed = parseReading(text);
      if (!parsed.ok) errors[fields[i]!] = parsed.error;
      else if (lowerThanPrevious(parsed.value, p.previous[i]!)) {
        errors[fields[i]!] = `Показания не могут быть меньше предыдущих (${formatValue(p.previous[i]!)})`;
      } else values.push(parsed.value);
    });
    if (values.length !== fields.length) continue;
    const used = sumOf(values.map((v, i) => consumption(v, p.previous[i]!)));
    const months = monthsBetween(p.previousPeriod, p.window.period);
    if (!input.confirmed && unusualJump(p.meter.resource, used, p.pastUse, months)) {
      const unit = RESOURCE_UNITS[p.meter.resource];
      const spread = months > 1 ? ` (${formatValue(monthlyConsumption(used, months))} ${unit} в месяц за ${count(months, 'месяц', 'месяца', 'месяцев')})` : '';
      errors[first] = `Проверьте показания: расход ${formatValue(used)} ${unit}${spread} намного больше обычного. Если всё верно, отметьте «Показания верны» и отправьте ещё раз.`;
      confirmMeters.push(p.meter.id);
      continue;
    }
    toSave.push({ meter: p.meter, period: p.window.period, values });
  }

  if (Object.keys(errors).length > 0) return { ok: false, errors, needsConfirmation: confirmMeters.length > 0, confirmMeters };
  if (toSave.length === 0) {
    const first = prepared.find((p) => p.window.open && !p.overdue);
    return { ok: false, errors: { [first ? fieldName(first.meter.id, 1) : 'readings']: 'Введите показания хотя бы одного счётчика' }, needsConfirmation: false, confirmMeters: [] };
  }
  for (const { meter, period, values } of toSave) {
    const row = { value_t1: values[0]!, value_t2: values[1] ?? null, value_t3: values[2] ?? null, submitted_by: input.residentId, submitted_at: input.now };
    await trx
      .insertInto('meter_readings')
      .values({ meter_id: meter.id, period, ...row })
      .onConflict((oc) =>
        oc.columns(['meter_id', 'period']).doUpdateSet((eb) => ({ ...row, replaced_count: eb('meter_readings.replaced_count', '+', 1) })),
      )
      .execute();
  }
  return { ok: true, saved: toSave.length };
}

function formatDate(date: string): string {
  return `${date.slice(8, 10)}.${date.slice(5, 7)}.${date.slice(0, 4)}`;
}

function formatValue(value: number): string {
  return value.toLocaleString('ru-RU', { maximumFractionDigits: 3 });
}

export type MeterHistory = {
  id: number;
  accountId: number;
  resourceName: string;
  unit: string;
  serialNumber: string;
  zones: number;
  active: boolean;
  installedOn: string;
  replacedOn: string | null;
  nextVerificationDate: string;
  entries: HistoryEntry[];
};

/** A meter's readings and consumption per period, newest first. The caller checks access to `accountId`. */
export async function meterHistory(db: Kysely<Database>, meterId: number): Promise<MeterHistory | null> {
  const meter = await db.selectFrom('meters').selectAll().where('id', '=', meterId).executeTakeFirst();
  if (!meter) return null;
  const readings = await readingsOf(db, [meter.id]);
  return {
    id: meter.id,
    accountId: meter.payer_account_id,
    resourceName: RESOURCE_NAMES[meter.resource],
    unit: RESOURCE_UNITS[meter.resource],
    serialNumber: meter.serial_number,
    zones: meter.zones,
    active: meter.active,
    installedOn: meter.installed_on,
    replacedOn: meter.replaced_on,
    nextVerificationDate: meter.next_verification_date,
    entries: historyOf(meter, readings).reverse(),
  };
}

export type MeterSummary = { id: number; resourceName: string; serialNumber: string; active: boolean };

/** Every meter of the account, replaced ones too, for links to their history. */
export async function meterList(db: Kysely<Database>, accountId: number): Promise<MeterSummary[]> {
  return (await metersOf(db, [accountId], false)).map((m) => ({
    id: m.id,
    resourceName: RESOURCE_NAMES[m.resource],
    serialNumber: m.serial_number,
    active: m.active,
  }));
}

export type NewMeter = {
  accountId: number;
  resource: Resource;
  serialNumber: string;
  zones: number;
  nextVerificationDate: string;
  installedOn: string;
  initial: number[];
};

/** Registers a working meter on the account (staff: an added meter, a replacement, an approved request). */
export async function installMeter(trx: Transaction<Database>, meter: NewMeter): Promise<number> {
  const created = await trx
    .insertInto('meters')
    .values({
      payer_account_id: meter.accountId,
      resource: meter.resource,
      serial_number: meter.serialNumber,
      zones: meter.zones,
      next_verification_date: meter.nextVerificationDate,
      installed_on: meter.installedOn,
      initial_t1: meter.initial[0]!,
      initial_t2: meter.zones >= 2 ? (meter.initial[1] ?? 0) : null,
      initial_t3: meter.zones === 3 ? (meter.initial[2] ?? 0) : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return created.id;
}

export type RetiredMeter = { id: number; resource: Resource; zones: number; serialNumber: string };

/**
 * Takes a working meter out of service on `replacedOn` with its final reading, which
 * becomes the meter's reading for that period (replacing one the resident sent):
 * the consumption up to it stays in the history and is billed. Refused with field
 * errors (replacedOn, final1..final3) when the date is out of range, the meter
 * already has readings for a later period, or the final reading is below the last one.
 * Null when the meter is not a working meter of the account.
 */
export async function retireMeter(
  trx: Transaction<Database>,
  input: { accountId: number; meterId: number; replacedOn: string; final: number[]; today: string; now: Date },
): Promise<{ ok: true; meter: RetiredMeter } | { ok: false; errors: Record<string, string> } | null> {
  const meter = await trx
    .selectFrom('meters')
    .selectAll()
    .where('id', '=', input.meterId)
    .where('payer_account_id', '=', input.accountId)
    .where('active', '=', true)
    .forUpdate()
    .executeTakeFirst();
  if (!meter) return null;
  const errors: Record<string, string> = {};
  const dateProblem = replacementDateProblem(input.replacedOn, input.today, meter.installed_on);
  if (dateProblem) return { ok: false, errors: { replacedOn: dateProblem } };
  const period = periodOf(input.replacedOn);
  const readings = (await readingsOf(trx, [meter.id])).sort((a, b) => a.period.localeCompare(b.period));
  const later = readings.find((r) => r.period > period);
  if (later) {
    return { ok: false, errors: { replacedOn: `По счётчику уже переданы показания за ${formatPeriod(later.period)}: дата замены не может быть раньше этого периода` } };
  }
  const before = readings.filter((r) => r.period < period).pop();
  const previous = before ? valuesOf(before, meter.zones) : initialValues(meter);
  previous.forEach((value, i) => {
    const final = input.final[i];
    if (final !== undefined && lowerThanPrevious(final, value)) errors[`final${i + 1}`] = `Конечные показания не могут быть меньше предыдущих (${formatValue(value)})`;
  });
  if (Object.keys(errors).length > 0) return { ok: false, errors };

  await trx.updateTable('meters').set({ active: false, replaced_on: input.replacedOn }).where('id', '=', meter.id).execute();
  const row = { value_t1: input.final[0]!, value_t2: input.final[1] ?? null, value_t3: input.final[2] ?? null, submitted_by: null, submitted_at: input.now };
  await trx
    .insertInto('meter_readings')
    .values({ meter_id: meter.id, period, ...row })
    .onConflict((oc) => oc.columns(['meter_id', 'period']).doUpdateSet((eb) => ({ ...row, replaced_count: eb('meter_readings.replaced_count', '+', 1) })))
    .execute();
  return { ok: true, meter: { id: meter.id, resource: meter.resource, zones: meter.zones, serialNumber: meter.serial_number } };
}
