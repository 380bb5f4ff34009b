import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { addDays, moscowMidnight } from '../../lib/calendar.js';
import { deadlineFor } from './rules.js';
import type { RequestEventKind, RequestKind, RequestPlace, RequestStatus } from './tables.js';

type Trx = Transaction<Database>;

type DemoEvent = { kind: RequestEventKind; byStaff?: boolean; status?: RequestStatus; text?: string; hoursAfter: number };
type DemoRequest = { kind: RequestKind; place: RequestPlace; description: string; daysAgo: number; hour: number; status: RequestStatus; crew?: string; events: DemoEvent[] };

/**
 * Requests of the demo resident (account 7700000010) in each state: a leak from
 * yesterday nobody took (overdue), a lift in work, a clog done and waiting for a
 * rating, and a fresh lighting request. Nothing is emailed.
 */
export async function seedRequests(trx: Trx, today: string): Promise<void> {
  const resident = await trx.selectFrom('residents').select(['id', 'phone']).where('email', '=', 'resident@demo.local').executeTakeFirstOrThrow();
  const dispatcher = await trx.selectFrom('staff').select('id').where('email', '=', 'dispatcher@demo.local').executeTakeFirstOrThrow();
  const account = await trx
    .selectFrom('payer_accounts as pa')
    .innerJoin('premises as p', 'p.id', 'pa.premises_id')
    .select(['pa.id', 'p.building_id'])
    .where('pa.payer_code', '=', '7700000010')
    .executeTakeFirstOrThrow();
  const norms = new Map((await trx.selectFrom('service_request_kinds').select(['kind', 'deadline_minutes']).execute()).map((k) => [k.kind, k.deadline_minutes]));
  const demo: DemoRequest[] = [
    {
      kind: 'leak', place: 'flat', description: 'Капает с потолка в ванной, на потолке мокрое пятно.', daysAgo: 1, hour: 20, status: 'registered',
      events: [{ kind: 'overdue', text: 'Срок по нормативу истёк', hoursAfter: 0.5 }],
    },
    {
      kind: 'lift', place: 'common', description: 'Лифт во 2-м подъезде стоит на 5-м этаже, двери не открываются.', daysAgo: 0, hour: 7, status: 'in_progress', crew: 'Лифтовая служба, участок 1',
      events: [{ kind: 'taken', byStaff: true, status: 'in_progress', text: 'Бригада: Лифтовая служба, участок 1', hoursAfter: 0.3 }],
    },
    {
      kind: 'clog', place: 'flat', description: 'Засор канализации на кухне, вода не уходит.', daysAgo: 10, hour: 9, status: 'done', crew: 'Сантехники, участок 3',
      events: [
        { kind: 'taken', byStaff: true, status: 'in_progress', text: 'Бригада: Сантехники, участок 3', hoursAfter: 0.2 },
        { kind: 'status', byStaff: true, status: 'done', text: 'Засор стояка устранён, трубы промыты.', hoursAfter: 1.5 },
      ],
    },
    { kind: 'lighting', place: 'common', description: 'Не горит свет на лестничной площадке 3-го этажа.', daysAgo: 0, hour: 8, status: 'registered', events: [] },
  ];
  for (const item of demo) {
    const registeredAt = new Date(moscowMidnight(addDays(today, -item.daysAgo)).getTime() + item.hour * 3_600_000);
    const after = (hours: number) => new Date(registeredAt.getTime() + hours * 3_600_000);
    const deadlineAt = deadlineFor(registeredAt, norms.get(item.kind)!);
    const closing = item.events.find((e) => e.kind === 'status');
    const { id } = await trx
      .insertInto('service_requests')
      .values({
        payer_account_id: account.id, building_id: account.building_id, resident_id: resident.id, kind: item.kind, place: item.place,
        description: item.description, contact_phone: resident.phone, status: item.status, registered_at: registeredAt, deadline_at: deadlineAt,
        overdue_at: item.events.some((e) => e.kind === 'overdue') ? deadlineAt : null, crew: item.crew ?? null,
        assignee_id: item.crew ? dispatcher.id : null, closed_at: closing ? after(closing.hoursAfter) : null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('service_request_events')
      .values([
        { request_id: id, kind: 'registered', resident_id: resident.id, status: 'registered', created_at: registeredAt },
        ...item.events.map((e) => ({
          request_id: id, kind: e.kind, staff_id: e.byStaff ? dispatcher.id : null, status: e.status ?? null, text: e.text ?? null, created_at: after(e.hoursAfter),
        })),
      ])
      .execute();
  }
}
