import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { addDays, moscowMidnight } from '../../lib/calendar.js';
import { noticeEmail } from './messages.js';
import { recordExcessHours } from './service.js';
import type { NoticeKind, NoticeResource } from './tables.js';

type Trx = Transaction<Database>;

const HOUR_MS = 3_600_000;

/** An instant `hours` after Moscow midnight of `date`. */
function at(date: string, hours: number): Date {
  return new Date(moscowMidnight(date).getTime() + hours * HOUR_MS);
}

type DemoNotice = {
  kind: NoticeKind;
  resource: NoticeResource;
  unoms: number[];
  startsAt: Date;
  endsAt: Date | null;
  actualEndAt?: Date;
  supplier: string;
  reason: string;
  body: string;
};

/**
 * Demo notices around `today`: one on now and one upcoming for the demo resident's
 * building (Малый Гнездниковский пер., 4), a finished repair, and a closed 24-hour
 * hot-water emergency that leaves excess hours for the next bill. Their versions
 * count as already emailed, so seeding sends nothing.
 */
export async function seedNotices(trx: Trx, today: string): Promise<void> {
  const dispatcher = await trx.selectFrom('staff').select('id').where('email', '=', 'dispatcher@demo.local').executeTakeFirstOrThrow();
  const notices: DemoNotice[] = [
    {
      kind: 'repair', resource: 'cold_water', unoms: [1002], startsAt: at(addDays(today, -1), 9), endsAt: at(addDays(today, 2), 21),
      supplier: 'АО «Мосводоканал»', reason: 'Замена стояка холодного водоснабжения',
      body: 'Холодная вода будет отключаться по стоякам с 9:00 до 21:00. Пожалуйста, обеспечьте доступ к стоякам в квартирах.',
    },
    {
      kind: 'planned', resource: 'electricity', unoms: [1001, 1002], startsAt: at(addDays(today, 7), 10), endsAt: at(addDays(today, 7), 12),
      supplier: 'ПАО «Россети Московский регион»', reason: 'Плановая проверка оборудования трансформаторной подстанции',
      body: 'Электроэнергию отключат на два часа. Лифты работать не будут.',
    },
    {
      kind: 'planned', resource: 'heating', unoms: [1002, 1003], startsAt: at(addDays(today, -25), 9), endsAt: at(addDays(today, -25), 17),
      actualEndAt: at(addDays(today, -25), 15), supplier: 'ПАО «МОЭК»', reason: 'Промывка системы отопления',
      body: 'Отопление отключат на время промывки.',
    },
    {
      kind: 'emergency', resource: 'hot_water', unoms: [1002], startsAt: at(addDays(today, -12), 6), endsAt: null,
      actualEndAt: at(addDays(today, -11), 6), supplier: 'ПАО «МОЭК»', reason: 'Авария на тепловой сети',
      body: 'Горячей воды нет из-за аварии на тепловой сети. Работы идут круглосуточно.',
    },
  ];
  const buildings = await trx.selectFrom('buildings').select(['id', 'unom', 'address']).execute();
  for (const demo of notices) {
    const chosen = buildings.filter((b) => demo.unoms.includes(b.unom));
    const createdAt = new Date(demo.startsAt.getTime() - 24 * HOUR_MS);
    const notice = await trx
      .insertInto('notices')
      .values({
        kind: demo.kind, resource: demo.resource, starts_at: demo.startsAt, ends_at: demo.endsAt, supplier: demo.supplier, reason: demo.reason,
        body: demo.body, status: demo.actualEndAt ? 'closed' : 'published', actual_end_at: demo.actualEndAt ?? null,
        version: demo.actualEndAt ? 2 : 1, created_by: dispatcher.id, created_at: createdAt, updated_at: demo.actualEndAt ?? createdAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx.insertInto('notice_buildings').values(chosen.map((b) => ({ notice_id: notice.id, building_id: b.id }))).execute();
    const email = (change: 'published' | 'closed') =>
      noticeEmail(change, { ...demo, actualEndAt: change === 'closed' ? (demo.actualEndAt ?? null) : null, withdrawalReason: null, addresses: chosen.map((b) => b.address) }, 'http://localhost:3000');
    const versions = [
      { change: 'published' as const, at: createdAt },
      ...(demo.actualEndAt ? [{ change: 'closed' as const, at: demo.actualEndAt }] : []),
    ];
    await trx
      .insertInto('notice_versions')
      .values(versions.map((v, i) => ({ notice_id: notice.id, version: i + 1, change: v.change, staff_id: dispatcher.id, ...email(v.change), created_at: v.at, fanned_out_at: v.at })))
      .execute();
    if (demo.actualEndAt) await recordExcessHours(trx, notice.id, demo.actualEndAt);
  }
}
