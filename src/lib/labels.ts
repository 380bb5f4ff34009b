// What the UI calls each value of a status, role or right: one map per kind, used by
// routes (emails, CSV, choices) and by templates (as `it.labels`), so a word changes in one place.
import type { IdentityStatus, StaffRole } from '../db/schema.js';
import type { CoOwnerRights } from '../features/co-owners/tables.js';
import type { SubmissionStatus } from '../features/identity/tables.js';
import type { LinkStatus } from '../features/linking/tables.js';
import type { MeterRequestStatus } from '../features/meter-requests/tables.js';
import type { RequestStatus } from '../features/requests/tables.js';
import type { PaymentMethod, PaymentStatus } from '../features/payments/tables.js';

/** The colour of a status tag: none, or one of the `.tag--*` modifiers. */
export type Tone = '' | 'success' | 'warning' | 'error';
type Labelled = { label: string; tone: Tone };

export const STAFF_ROLE_LABELS = {
  admin: 'администратор',
  moderator: 'модератор',
  dispatcher: 'диспетчер',
} as const satisfies Record<StaffRole, string>;

export const STAFF_STATUS_LABELS = {
  active: { label: 'Работает', tone: 'success' },
  invited: { label: 'Приглашён', tone: 'warning' },
  inactive: { label: 'Отключён', tone: 'error' },
} as const satisfies Record<string, Labelled>;

export type StaffStatus = keyof typeof STAFF_STATUS_LABELS;

export const IDENTITY_STATUS_LABELS = {
  none: { label: 'Не подтверждена', tone: '' },
  pending: { label: 'На проверке', tone: 'warning' },
  confirmed: { label: 'Подтверждена', tone: 'success' },
  rejected: { label: 'Отклонена', tone: 'error' },
} as const satisfies Record<IdentityStatus, Labelled>;

/** A moderator's decision on identity documents, as the resident and the staff see it. */
export const SUBMISSION_STATUS_LABELS = {
  pending: { label: 'На проверке', tone: 'warning' },
  approved: { label: 'Одобрено', tone: 'success' },
  rejected: { label: 'Отклонено', tone: 'error' },
} as const satisfies Record<SubmissionStatus, Labelled>;

export const METER_REQUEST_STATUS_LABELS = {
  ...SUBMISSION_STATUS_LABELS,
  withdrawn: { label: 'Отозвана', tone: '' },
} as const satisfies Record<MeterRequestStatus, Labelled>;

export const LINK_STATUS_LABELS = {
  pending: { label: 'На рассмотрении', tone: 'warning' },
  approved: { label: 'Подключена', tone: 'success' },
  rejected: { label: 'Отклонена', tone: 'error' },
  withdrawn: { label: 'Отменена', tone: '' },
  transferred: { label: 'Владелец сменился', tone: '' },
} as const satisfies Record<LinkStatus, Labelled>;

export const CO_OWNER_RIGHTS_LABELS = {
  view: 'Просмотр',
  view_pay: 'Просмотр и оплата',
} as const satisfies Record<CoOwnerRights, string>;

export const GRANT_STATUS_LABELS = {
  pending: { label: 'Приглашение отправлено', tone: 'warning' },
  accepted: { label: 'Принято', tone: 'success' },
  expired: { label: 'Приглашение истекло', tone: 'error' },
} as const satisfies Record<string, Labelled>;

export type GrantStatus = keyof typeof GRANT_STATUS_LABELS;

export const REQUEST_STATUS_LABELS = {
  registered: { label: 'Зарегистрирована', tone: '' },
  in_progress: { label: 'В работе', tone: 'warning' },
  done: { label: 'Выполнена', tone: 'success' },
  rejected: { label: 'Отклонена', tone: 'error' },
  withdrawn: { label: 'Отозвана', tone: '' },
} as const satisfies Record<RequestStatus, Labelled>;

export const PAYMENT_METHOD_LABELS = {
  card: 'Банковская карта',
  sbp: 'СБП',
  wallet: 'Электронный кошелёк',
} as const satisfies Record<PaymentMethod, string>;

export const PAYMENT_STATUS_LABELS = {
  created: { label: 'Создан', tone: '' },
  pending: { label: 'Ожидает оплаты', tone: 'warning' },
  succeeded: { label: 'Выполнен', tone: 'success' },
  failed: { label: 'Не выполнен', tone: 'error' },
  expired: { label: 'Истёк', tone: 'error' },
} as const satisfies Record<PaymentStatus, Labelled>;

/** Choices for a radio or checkbox group, in the map's order. */
export function choicesOf<K extends string>(labels: Record<K, string>): { value: K; label: string }[] {
  return (Object.keys(labels) as K[]).map((value) => ({ value, label: labels[value] }));
}

/** Every map, for templates. */
export const labels = {
  staffRole: STAFF_ROLE_LABELS,
  staffStatus: STAFF_STATUS_LABELS,
  identityStatus: IDENTITY_STATUS_LABELS,
  submissionStatus: SUBMISSION_STATUS_LABELS,
  meterRequestStatus: METER_REQUEST_STATUS_LABELS,
  linkStatus: LINK_STATUS_LABELS,
  coOwnerRights: CO_OWNER_RIGHTS_LABELS,
  grantStatus: GRANT_STATUS_LABELS,
  requestStatus: REQUEST_STATUS_LABELS,
  paymentMethod: PAYMENT_METHOD_LABELS,
  paymentStatus: PAYMENT_STATUS_LABELS,
};
