import { emailContent, type EmailContent } from '../../messaging/email.js';
import { dateTime } from '../../lib/format.js';
import { KIND_LABELS } from './rules.js';
import type { RequestKind } from './tables.js';

// Texts residents get about their requests, and the notes pages show after an action.

export type NotifiedChange = 'taken' | 'done' | 'rejected';

export type RequestForMessage = { id: number; kind: RequestKind; address: string; crew: string | null; comment: string | null; deadlineAt: Date };

const SUBJECTS: Record<NotifiedChange, string> = {
  taken: 'взята в работу',
  done: 'выполнена',
  rejected: 'отклонена',
};

export function requestEmail(change: NotifiedChange, request: RequestForMessage, publicUrl: string): EmailContent {
  const title = `Заявка № ${request.id} ${SUBJECTS[change]}`;
  return emailContent(title, [
    `${title}: ${KIND_LABELS[request.kind].toLowerCase()}, ${request.address}.`,
    ...(change === 'taken'
      ? [`Бригада: ${request.crew ?? 'назначается'}. Срок по нормативу: ${dateTime(request.deadlineAt)} (московское время).`]
      : []),
    ...(request.comment ? [`Комментарий диспетчера: ${request.comment}`] : []),
    ...(change === 'done' ? ['Оцените, пожалуйста, результат на странице заявки.'] : []),
    `Заявка: ${publicUrl}/requests/${request.id}`,
  ]);
}

export function requestSms(change: NotifiedChange, request: RequestForMessage): string {
  return `Заявка № ${request.id} ${SUBJECTS[change]}.${change === 'taken' && request.crew ? ` Бригада: ${request.crew}.` : ''}`;
}

export const RESIDENT_DONE_MESSAGES = {
  filed: 'Заявка зарегистрирована. Диспетчер получил её.',
  commented: 'Комментарий добавлен.',
  photos: 'Фотографии добавлены.',
  withdrawn: 'Заявка отозвана.',
  rated: 'Спасибо за оценку.',
} as const;

export const STAFF_DONE_MESSAGES = {
  taken: 'Заявка взята в работу. Житель получит письмо.',
  crew: 'Бригада изменена.',
  done: 'Заявка выполнена. Житель получит письмо.',
  rejected: 'Заявка отклонена. Житель получит письмо.',
  commented: 'Комментарий добавлен.',
  linked: 'Заявка связана с объявлением.',
  closed: 'Заявки по объявлению закрыты. Жители получат письма.',
} as const;

export function doneMessage<T extends Record<string, string>>(messages: T, key: unknown): string | undefined {
  return typeof key === 'string' && Object.hasOwn(messages, key) ? messages[key] : undefined;
}
