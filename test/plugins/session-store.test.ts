import t from 'tap';
import type { Session } from 'fastify';
import { DbSessionStore } from '../../src/plugins/session-store.js';
import { freshDatabase } from '../fixtures/database.js';

type Store = DbSessionStore;
const set = (store: Store, sid: string, session: object) =>
  new Promise<void>((resolve, reject) => store.set(sid, session as Session, (e) => (e ? reject(e) : resolve())));
const get = (store: Store, sid: string) =>
  new Promise<Session | null | undefined>((resolve, reject) => store.get(sid, (e, s) => (e ? reject(e) : resolve(s))));
const destroy = (store: Store, sid: string) =>
  new Promise<void>((resolve, reject) => store.destroy(sid, (e) => (e ? reject(e) : resolve())));

t.test('sessions are kept in Postgres, with their owner in columns', async (t) => {
  const { db } = await freshDatabase(t.teardown);
  const store = new DbSessionStore(db, 'resident', 3600_000, true);
  const expires = new Date(Date.now() + 60_000).toISOString();
  await set(store, 'sid-1', { residentId: 7, userAgent: 'Firefox', ip: '10.0.0.1', cookie: { expires } });
  const loaded = await get(store, 'sid-1');
  t.equal(loaded?.residentId, 7);
  const row = await db.selectFrom('sessions').selectAll().where('sid', '=', 'sid-1').executeTakeFirstOrThrow();
  t.equal(row.resident_id, 7);
  t.equal(row.staff_id, null);
  t.equal(row.user_agent, 'Firefox');
  t.equal(row.expires_at.toISOString(), expires);

  await set(store, 'sid-1', { residentId: 8, cookie: { expires } });
  t.equal((await get(store, 'sid-1'))?.residentId, 8, 'a second save updates the row');
  t.equal((await db.selectFrom('sessions').select('sid').execute()).length, 1);

  await destroy(store, 'sid-1');
  t.equal(await get(store, 'sid-1'), null, 'destroyed');
  t.equal(await get(store, 'never-was'), null, 'missing');
});

t.test('an expired session is not loaded, and a staff store never loads a resident session', async (t) => {
  const { db } = await freshDatabase(t.teardown);
  const residents = new DbSessionStore(db, 'resident', 3600_000, true);
  const staff = new DbSessionStore(db, 'staff', 1800_000, true);
  await set(residents, 'old', { residentId: 1, cookie: { expires: new Date(Date.now() - 1000).toISOString() } });
  t.equal(await get(residents, 'old'), null);
  await set(residents, 'mine', { residentId: 1, cookie: {} });
  t.equal(await get(staff, 'mine'), null);
  t.equal((await get(residents, 'mine'))?.residentId, 1);
});
