import type { Kysely } from 'kysely';
import type { Database, StaffRole } from '../../db/schema.js';
import { countDocumentsAwaitingReview } from '../documents/service.js';
import { countLinkRequestsAwaiting } from '../link-requests/service.js';
import { countPendingInvitations } from '../staff/service.js';
import { countNewRequests, countOverdueRequests } from '../../features/requests/service.js';

/** One line on the back-office home: what waits, how many (null: not counted), and where. */
export type QueueEntry = { title: string; href: string; count: number | null };

type Queue = { title: string; href: string; roles: StaffRole[]; count: (db: Kysely<Database>) => Promise<number | null> };

// The queues of the back office, in the order they are shown. A feature adds its
// queue with one line here; each staff member sees the queues of their roles.
export const QUEUES: Queue[] = [
  { title: 'Проверка документов', href: '/admin/documents', roles: ['moderator'], count: countDocumentsAwaitingReview },
  { title: 'Заявки на подключение', href: '/admin/link-requests', roles: ['moderator'], count: countLinkRequestsAwaiting },
  { title: 'Приглашённые сотрудники без пароля', href: '/admin/staff', roles: ['admin'], count: countPendingInvitations },
  { title: 'Новые заявки', href: '/admin/requests?status=registered', roles: ['dispatcher'], count: countNewRequests },
  { title: 'Просроченные заявки', href: '/admin/requests?status=open&overdue=yes', roles: ['dispatcher'], count: countOverdueRequests },
];

export async function queuesFor(db: Kysely<Database>, roles: StaffRole[], queues: Queue[] = QUEUES): Promise<QueueEntry[]> {
  const visible = queues.filter((queue) => queue.roles.some((role) => roles.includes(role)));
  const counts = await Promise.all(visible.map((queue) => queue.count(db)));
  return visible.map((queue, i) => ({ title: queue.title, href: queue.href, count: counts[i]! }));
}
