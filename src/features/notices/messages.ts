import { emailContent, type EmailContent } from '../../messaging/email.js';
import { dateTime } from '../../lib/format.js';
import { KIND_LABELS, RESOURCE_LABELS } from './rules.js';
import type { NoticeChange, NoticeKind, NoticeResource } from './tables.js';

export type NoticeForEmail = {
  kind: NoticeKind;
  resource: NoticeResource;
  startsAt: Date;
  endsAt: Date | null;
  actualEndAt: Date | null;
  supplier: string;
  reason: string;
  body: string;
  withdrawalReason: string | null;
  addresses: string[];
};

const HEADINGS: Record<NoticeChange, string> = {
  published: '',
  updated: 'Объявление изменено. ',
  extended: 'Работы продлены. ',
  closed: 'Работы завершены. ',
  withdrawn: 'Объявление отменено. ',
};

const MAX_ADDRESSES = 10;

/** The email every resident of the affected buildings gets for one change of a notice. */
export function noticeEmail(change: NoticeChange, notice: NoticeForEmail, publicUrl: string): EmailContent {
  const title = `${KIND_LABELS[notice.kind]}: ${RESOURCE_LABELS[notice.resource].toLowerCase()}`;
  const shown = notice.addresses.slice(0, MAX_ADDRESSES);
  const more = notice.addresses.length - shown.length;
  const times = [
    `Начало: ${dateTime(notice.startsAt)} (московское время).`,
    notice.endsAt ? `Окончание: ${dateTime(notice.endsAt)}.` : 'Окончание: до устранения аварии.',
    ...(notice.actualEndAt ? [`Фактическое окончание: ${dateTime(notice.actualEndAt)}.`] : []),
  ].join('\n');
  return emailContent(`${HEADINGS[change]}${title}`, [
    ...(change === 'withdrawn' ? [`Объявление отменено. Причина: ${notice.withdrawalReason ?? ''}`] : []),
    `${title}.`,
    `Дома: ${shown.join('; ')}${more > 0 ? ` и ещё ${more}` : ''}.`,
    times,
    `Причина: ${notice.reason}. Исполнитель: ${notice.supplier}.`,
    notice.body,
    `Все объявления по вашему дому: ${publicUrl}/notices`,
    `Отказаться от таких писем можно в профиле: ${publicUrl}/profile`,
  ]);
}

export const DONE_MESSAGES = {
  published: 'Объявление опубликовано. Жители получат письма.',
  updated: 'Изменения сохранены. Жители получат письма.',
  extended: 'Окончание перенесено. Жители получат письма.',
  closed: 'Объявление закрыто.',
  withdrawn: 'Объявление отозвано. Жители получат письма.',
} as const satisfies Record<NoticeChange, string>;
