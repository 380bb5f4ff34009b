import { sql, type Kysely } from 'kysely';
import type { Database, IdentityStatus } from '../../db/schema.js';
import type { AccessibleAccount } from '../accounts/access.js';
import { windowDates } from '../readings/rules.js';
import { readingWindowsQuery, windowRulesOf } from '../readings/service.js';

// «Главная» for a resident who is not set up yet: three steps in order, each with
// its status and the one thing to do next. Only functions that exist are offered.

export type TaskStatus = 'not-started' | 'in-review' | 'done';

export const TASK_STATUS_NAMES: Record<TaskStatus, string> = { 'not-started': 'Не начато', 'in-review': 'На проверке', done: 'Готово' };

export type Task = {
  title: string;
  status: TaskStatus;
  /** What the status means for the resident, in a sentence. */
  note: string;
  /** The next action, when there is one the resident can take now. */
  action: { label: string; href: string } | null;
  /** Requests waiting for a moderator (the «Лицевой счёт» step). */
  pending?: { id: number; payerCode: string; flat: string }[];
};

export type ReadingWindow = { name: string; open: boolean; opensOn: string; closesOn: string };

export type FirstRun = {
  tasks: Task[];
  /** Shown while any step is not done. */
  incomplete: boolean;
  /** The submission windows, for the account cards. */
  windows: ReadingWindow[];
};

export function identityTask(status: IdentityStatus): Task {
  const title = 'Подтверждение личности';
  if (status === 'confirmed') return { title, status: 'done', note: 'Личность подтверждена.', action: null };
  if (status === 'pending') return { title, status: 'in-review', note: 'Модератор проверяет документы, обычно в течение рабочего дня. Решение придёт на электронную почту.', action: null };
  return {
    title,
    status: 'not-started',
    note: status === 'rejected' ? 'Документы отклонены: причина указана на странице подтверждения. Загрузите их снова.' : 'Нужно, чтобы подключить лицевой счёт: загрузите скан паспорта или другого документа.',
    action: { label: status === 'rejected' ? 'Загрузить документы снова' : 'Загрузить документы', href: '/identity' },
  };
}

export function accountTask(identity: IdentityStatus, accounts: number, pending: Task['pending'] & object): Task {
  const title = 'Лицевой счёт';
  if (accounts > 0) return { title, status: 'done', note: 'Лицевой счёт подключён.', action: null, pending };
  if (pending.length > 0) return { title, status: 'in-review', note: 'Заявку проверяет сотрудник; решение придёт на электронную почту.', action: null, pending };
  if (identity !== 'confirmed') return { title, status: 'not-started', note: 'Станет доступно после подтверждения личности.', action: null, pending };
  return { title, status: 'not-started', note: 'Номер лицевого счёта напечатан в едином платёжном документе.', action: { label: 'Подключить', href: '/services/utilities/new' }, pending };
}

export function readingsTask(accounts: number, submittedEver: boolean, water: ReadingWindow): Task {
  const title = 'Показания';
  if (submittedEver) return { title, status: 'done', note: 'Показания переданы. Каждый месяц их можно передавать в срок приёма.', action: null };
  if (accounts === 0) return { title, status: 'not-started', note: 'Станет доступно после подключения лицевого счёта.', action: null };
  return {
    title,
    status: 'not-started',
    note: water.open ? `Приём показаний воды открыт до ${formatDay(water.closesOn)}.` : `Приём показаний воды откроется ${formatDay(water.opensOn)}.`,
    action: water.open ? { label: 'Передать показания', href: '/readings' } : { label: 'Счётчики и история', href: '/readings' },
  };
}

function formatDay(date: string): string {
  return `${date.slice(8, 10)}.${date.slice(5, 7)}.${date.slice(0, 4)}`;
}

/** What the task list and the cards' reading dates need, as reads for readTogether. */
export function firstRunReads(db: Kysely<Database>, residentId: number) {
  return {
    pendingLinks: db
      .selectFrom('account_links')
      .select(['id', 'requested_payer_code', 'requested_flat'])
      .where('resident_id', '=', residentId)
      .where('status', '=', 'pending')
      .orderBy('created_at')
      .orderBy('id'),
    anyReadingSent: db.selectFrom('meter_readings').select(sql<number>`1`.as('one')).where('submitted_by', '=', residentId).limit(1),
    windows: readingWindowsQuery(db),
  };
}

type FirstRunRows = {
  pendingLinks: { id: number; requested_payer_code: string; requested_flat: string }[];
  anyReadingSent: unknown[];
  windows: Parameters<typeof windowRulesOf>[0];
};

export function firstRunOf(resident: { identityStatus: IdentityStatus }, accounts: AccessibleAccount[], rows: FirstRunRows, today: string): FirstRun {
  const rules = windowRulesOf(rows.windows);
  const windows: ReadingWindow[] = [
    { name: 'воды', ...windowDates(rules, 'cold_water', today) },
    { name: 'электроэнергии', ...windowDates(rules, 'electricity', today) },
  ];
  const pending = rows.pendingLinks.map((p) => ({ id: p.id, payerCode: p.requested_payer_code, flat: p.requested_flat }));
  const tasks = [
    identityTask(resident.identityStatus),
    accountTask(resident.identityStatus, accounts.length, pending),
    readingsTask(accounts.length, rows.anyReadingSent.length > 0, windows[0]!),
  ];
  return { tasks, incomplete: tasks.some((t) => t.status !== 'done'), windows };
}
