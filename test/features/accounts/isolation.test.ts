import t from 'tap';
import { testApp, type TestApp } from '../../fixtures/app.js';
import { accountId, createResident, demoResident, lastReading, meterOf, residentAgent } from '../../fixtures/accounts.js';

// IDOR: another resident tries every resident route of this issue with the demo
// resident's ids (accounts, meters, co-owner grants) and gets 404, and nothing changes.

async function setUp(teardown: (fn: () => unknown) => void): Promise<TestApp & { victimAccount: number; victimMeter: number; victimGrant: number }> {
  const env = await testApp(teardown, { seed: true, redis: false, env: { APP_TODAY: '2026-11-20' } });
  const victim = await demoResident(env.db);
  const victimAccount = await accountId(env.db, '7700000010');
  const victimMeter = (await meterOf(env.db, '7700000010', 'cold_water')).id;
  const grant = await env.db
    .insertInto('co_owner_grants')
    .values({ payer_account_id: victimAccount, invited_by: victim.id, invited_email: 'friend@example.test', rights: 'view', invited_at: new Date() })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { ...env, victimAccount, victimMeter, victimGrant: grant.id };
}

t.test("another resident's ids give 404 on every route", async (t) => {
  const { app, db, config, victimAccount, victimMeter, victimGrant } = await setUp(t.teardown);
  const attacker = await createResident(db);
  // The attacker has a link of their own (pending for the victim's account, approved for another).
  await db
    .insertInto('account_links')
    .values({ resident_id: attacker.id, requested_payer_code: '7700000010', requested_provider_id: 1, requested_flat: '10', consented_at: new Date() })
    .execute();
  const agent = await residentAgent(app, db, config, attacker.id);
  await agent.get('/services');

  const gets = [
    `/readings/accounts/${victimAccount}`,
    `/readings/meters/${victimMeter}`,
    `/dwelling/${victimAccount}`,
    `/co-owners/accounts/${victimAccount}/invitations/new`,
    `/co-owners/grants/${victimGrant}/revocation`,
  ];
  for (const url of gets) t.equal((await agent.get(url)).statusCode, 404, `GET ${url}`);

  const before = await lastReading(db, victimMeter);
  const posts: [string, Record<string, string>][] = [
    [`/readings/accounts/${victimAccount}`, { [`m${victimMeter}t1`]: String(before!.value_t1 + 1) }],
    [`/dwelling/${victimAccount}`, { area: '10', residentsCount: '9' }],
    [`/co-owners/accounts/${victimAccount}/invitations`, { email: 'thief@example.test', rights: 'view_pay' }],
    [`/co-owners/grants/${victimGrant}/revocation`, {}],
  ];
  for (const [url, form] of posts) t.equal((await agent.post(url, form)).statusCode, 404, `POST ${url}`);

  t.same(await lastReading(db, victimMeter), before, 'no reading written');
  t.equal((await db.selectFrom('dwelling_changes').selectAll().execute()).length, 0, 'no dwelling change');
  const grants = await db.selectFrom('co_owner_grants').selectAll().execute();
  t.equal(grants.length, 1, 'no invitation created');
  t.equal(grants[0]!.revoked_at, null, 'the grant is not revoked');

  // The lists show nothing of the victim's.
  for (const url of ['/readings', '/dwelling', '/co-owners']) {
    const page = await agent.get(url);
    t.equal(page.statusCode, 200);
    t.notMatch(page.body, 'ул. Большая Дмитровка', `${url} shows no foreign address`);
    t.notMatch(page.body, `/readings/meters/${victimMeter}`);
  }

  // Ids that are not numbers at all are 404 too, not 500.
  for (const url of ['/readings/accounts/abc', '/readings/meters/1e3', '/dwelling/-1', '/co-owners/grants/x/revocation']) {
    t.equal((await agent.get(url)).statusCode, 404, url);
  }
});

t.test('a pending or rejected link opens nothing; an approved one does', async (t) => {
  const { app, db, config } = await setUp(t.teardown);
  const resident = await createResident(db);
  const agent = await residentAgent(app, db, config, resident.id);
  const account = await accountId(db, '7700000020');
  const link = await db
    .insertInto('account_links')
    .values({ resident_id: resident.id, requested_payer_code: '7700000020', requested_provider_id: 1, requested_flat: '5', consented_at: new Date() })
    .returning('id')
    .executeTakeFirstOrThrow();
  t.equal((await agent.get(`/dwelling/${account}`)).statusCode, 404, 'pending');
  await db.updateTable('account_links').set({ status: 'rejected' }).where('id', '=', link.id).execute();
  t.equal((await agent.get(`/dwelling/${account}`)).statusCode, 404, 'rejected');
  await db.updateTable('account_links').set({ status: 'approved', payer_account_id: account }).where('id', '=', link.id).execute();
  t.equal((await agent.get(`/dwelling/${account}`)).statusCode, 200, 'approved');
});
