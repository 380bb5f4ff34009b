import { validateAddedMeter, validateVerification, type CheckedMeter } from '../readings/meters.js';
import type { Resource } from '../readings/tables.js';

// What a resident's «Заявка на регистрацию счётчика» may ask for: the same checks
// staff's «Добавить счётчик» and «Записать поверку» make, on the resident's form.

export type MeterRequestForm = {
  kind: string;
  resource: string;
  meterId: string;
  zones: string;
  serialNumber: string;
  datedOn: string;
  nextVerificationDate: string;
  initial: string[];
};

export type WorkingMeter = { id: number; resource: Resource; zones: number; serialNumber: string };

export type CheckedRequest =
  | { kind: 'new'; meter: CheckedMeter }
  | { kind: 'verified'; meter: WorkingMeter; verifiedOn: string; next: string };

/**
 * A new meter is checked as staff's «Добавить счётчик» checks it (a resource with no
 * working meter, zones, commissioning date, serial, next verification, initial
 * reading); a verification names a working meter of the account and its dates.
 * The date field is `datedOn` in both cases. One request per resource waits at a time.
 */
export function validateMeterRequest(
  form: MeterRequestForm,
  working: WorkingMeter[],
  waiting: Resource[],
  today: string,
): { ok: true; request: CheckedRequest } | { ok: false; errors: Record<string, string> } {
  const checked = checkFields(form, working, today);
  if (!checked.ok) return checked;
  const resource = checked.request.meter.resource;
  if (waiting.includes(resource)) return { ok: false, errors: { [checked.request.kind === 'new' ? 'resource' : 'meterId']: WAITING } };
  return checked;
}

/** One waiting request per resource: the message next to the resource or the meter. */
export const WAITING = 'По этому ресурсу уже есть заявка на проверке: дождитесь решения по ней';

function checkFields(form: MeterRequestForm, working: WorkingMeter[], today: string): { ok: true; request: CheckedRequest } | { ok: false; errors: Record<string, string> } {
  if (form.kind === 'verified') {
    const meter = working.find((m) => String(m.id) === form.meterId);
    const checked = validateVerification({ verifiedOn: form.datedOn, nextVerificationDate: form.nextVerificationDate }, today);
    const errors: Record<string, string> = {};
    if (!meter) errors.meterId = 'Выберите счётчик, который прошёл поверку';
    if (!checked.ok) {
      if (checked.errors.verifiedOn) errors.datedOn = checked.errors.verifiedOn;
      if (checked.errors.nextVerificationDate) errors.nextVerificationDate = checked.errors.nextVerificationDate;
    }
    if (!meter || !checked.ok) return { ok: false, errors };
    return { ok: true, request: { kind: 'verified', meter, verifiedOn: checked.verifiedOn, next: checked.next } };
  }
  if (form.kind !== 'new') return { ok: false, errors: { kind: 'Выберите, какой счётчик зарегистрировать' } };
  const checked = validateAddedMeter({ ...form, installedOn: form.datedOn }, working.map((m) => m.resource), today);
  if (!checked.ok) {
    const { installedOn, ...rest } = checked.errors;
    return { ok: false, errors: installedOn ? { ...rest, datedOn: installedOn } : rest };
  }
  const { ok: _ok, ...meter } = checked;
  return { ok: true, request: { kind: 'new', meter } };
}

