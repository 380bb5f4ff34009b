import t from 'tap';
import { preparedRead } from '../../src/db/prepared-read.js';
import { freshDatabase } from '../fixtures/database.js';

t.test('a prepared read compiles once and gives what the query gives for each set of values', async (t) => {
  const { db } = await freshDatabase(t.teardown, { seededFor: '2026-11-20' });
  const bills = (p: { accountId: number; from: string; issuedBefore: Date }) =>
    db
      .selectFrom('bills')
      .select(['id', 'period', 'amount_due_kopecks'])
      .where('payer_account_id', '=', p.accountId)
      .where('period', '>=', p.from)
      .where('issued_at', '<', p.issuedBefore)
      .where('amount_due_kopecks', '>=', 0)
      .orderBy('period');
  const read = preparedRead(db, bills, { verify: true });
  const accounts = await db.selectFrom('payer_accounts').select('id').orderBy('id').limit(3).execute();
  for (const { id } of accounts) {
    for (const from of ['2026-01-01', '2026-06-01']) {
      const params = { accountId: id, from, issuedBefore: new Date('2026-11-01T00:00:00Z') };
      const expected = await bills(params).execute();
      t.same(await read(params), expected, `account ${id} from ${from}`);
    }
  }
  t.ok((await read({ accountId: accounts[0]!.id, from: '2026-01-01', issuedBefore: new Date() })).length > 0, 'finds bills at all');
});

t.test('a build whose SQL depends on its values is caught outside production', async (t) => {
  const { db } = await freshDatabase(t.teardown);
  const branching = preparedRead(db, (p: { status: string }) => (p.status === 'pending' ? db.selectFrom('account_links').select('id').where('status', '=', 'pending') : db.selectFrom('account_links').select('id')), { verify: true });
  t.same(await branching({ status: 'approved' }), [], 'the branch the markers took: the same SQL, right');
  await t.rejects(branching({ status: 'pending' }), /depends on the values/, 'the other branch is caught');
  const computed = preparedRead(db, (p: { page: number }) => db.selectFrom('account_links').select('id').limit(20).offset((p.page - 1) * 20), { verify: true });
  await t.rejects(computed({ page: 2 }), /depends on the values/, 'a value computed from a parameter is not the parameter');
});
