import { count } from '../../lib/format.js';
import type { RequestKind, RequestPlace, RequestStatus } from './tables.js';

// Pure rules of requests: kinds, places, deadlines, who may move a request where.

export const KIND_LABELS: Record<RequestKind, string> = {
  emergency: 'Авария',
  leak: 'Протечка',
  no_hot_water: 'Нет горячей воды',
  clog: 'Засор',
  lift: 'Лифт',
  lighting: 'Освещение',
  other: 'Другое',
};

export const PLACE_LABELS: Record<RequestPlace, string> = {
  flat: 'В квартире',
  common: 'В подъезде или во дворе (общее имущество)',
};

export function isKind(value: unknown): value is RequestKind {
  return typeof value === 'string' && Object.hasOwn(KIND_LABELS, value);
}

export function isPlace(value: unknown): value is RequestPlace {
  return typeof value === 'string' && Object.hasOwn(PLACE_LABELS, value);
}

export const OPEN_STATUSES = ['registered', 'in_progress'] as const satisfies readonly RequestStatus[];

export function isOpen(status: RequestStatus): boolean {
  return (OPEN_STATUSES as readonly RequestStatus[]).includes(status);
}

/** The deadline: registration plus the kind's regulated minutes (an instant; shown in Moscow time). */
export function deadlineFor(registeredAt: Date, deadlineMinutes: number): Date {
  return new Date(registeredAt.getTime() + deadlineMinutes * 60_000);
}

/** "30 минут", "2 часа", "1 сутки", "7 суток": the norm as the resident reads it. */
export function describeNorm(minutes: number): string {
  if (minutes % (24 * 60) === 0) {
    const days = minutes / (24 * 60);
    return days === 1 ? '1 сутки' : `${days} суток`;
  }
  if (minutes % 60 === 0) return count(minutes / 60, 'час', 'часа', 'часов');
  return count(minutes, 'минута', 'минуты', 'минут');
}

function span(ms: number): string {
  const minutes = Math.max(1, Math.ceil(ms / 60_000));
  const days = Math.floor(minutes / (24 * 60));
  const hours = Math.floor((minutes % (24 * 60)) / 60);
  const rest = minutes % 60;
  if (days > 0) return `${count(days, 'день', 'дня', 'дней')}${hours > 0 ? ` ${hours} ч` : ''}`;
  if (hours > 0) return `${hours} ч${rest > 0 ? ` ${rest} мин` : ''}`;
  return `${rest} мин`;
}

export type Countdown = { overdue: boolean; text: string };

/** What the queue shows beside the deadline: time left, or how late an open request is. */
export function countdown(deadline: Date, now: Date): Countdown {
  const left = deadline.getTime() - now.getTime();
  return left > 0 ? { overdue: false, text: `осталось ${span(left)}` } : { overdue: true, text: `просрочена на ${span(-left)}` };
}

export type Actor = 'resident' | 'dispatcher';

/**
 * Which status changes are allowed and to whom: the dispatcher takes a request into
 * work, finishes or rejects it; the resident may withdraw it while it is open.
 * Finished, rejected and withdrawn requests stay as they are.
 */
const TRANSITIONS: Record<Actor, Partial<Record<RequestStatus, RequestStatus[]>>> = {
  dispatcher: { registered: ['in_progress', 'rejected'], in_progress: ['done', 'rejected'] },
  resident: { registered: ['withdrawn'], in_progress: ['withdrawn'] },
};

export function canMove(from: RequestStatus, to: RequestStatus, actor: Actor): boolean {
  return TRANSITIONS[actor][from]?.includes(to) ?? false;
}

/** The statuses a dispatcher may choose from here (for the form's choices). */
export function nextStatuses(from: RequestStatus, actor: Actor): RequestStatus[] {
  return TRANSITIONS[actor][from] ?? [];
}

export const MAX_DESCRIPTION = 2000;
export const MAX_COMMENT = 1000;
export const MAX_CREW = 100;
/** Photos a request may collect in all (the resident's and the dispatcher's). */
export const MAX_PHOTOS_PER_REQUEST = 15;

export type RequestForm = { accountId: string; kind: string; place: string; description: string; phone: string; smsUpdates: boolean };
export type RequestFormErrors = Partial<Record<'accountId' | 'kind' | 'place' | 'description' | 'phone' | 'photos', string>>;

/** Text a person typed: trimmed, and within its limit, or the message for the field. */
export function textError(value: string, what: string, max: number, required = true): string | undefined {
  const text = value.trim();
  if (text === '') return required ? `${what}` : undefined;
  if (text.length > max) return `Не длиннее ${count(max, 'символа', 'символов', 'символов')}: сейчас ${text.length}`;
  return undefined;
}

export function validateRequestForm(form: RequestForm, phoneOk: boolean): RequestFormErrors {
  const errors: RequestFormErrors = {};
  if (form.accountId === '') errors.accountId = 'Выберите лицевой счёт';
  if (!isKind(form.kind)) errors.kind = 'Выберите, что случилось';
  if (!isPlace(form.place)) errors.place = 'Укажите, где случилось';
  const description = textError(form.description, 'Опишите, что случилось: где именно и что видно', MAX_DESCRIPTION);
  if (description) errors.description = description;
  if (!phoneOk) errors.phone = form.phone.trim() === '' ? 'Введите номер телефона для связи' : 'Введите номер телефона в формате +7 916 123-45-67';
  return errors;
}

export const RATING_LABELS: Record<number, string> = {
  5: '5 — отлично',
  4: '4 — хорошо',
  3: '3 — удовлетворительно',
  2: '2 — плохо',
  1: '1 — очень плохо',
};

export function parseRating(value: string): number | null {
  return /^[1-5]$/.test(value) ? Number(value) : null;
}
