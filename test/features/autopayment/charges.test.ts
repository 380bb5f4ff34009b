import t from 'tap';
import { accountId, demoResident, residentAgent } from '../../fixtures/accounts.js';
import { listeningApp } from '../../fixtures/esia.js';
import { checkedPayment, payByCard, settled, startPayment } from '../../fixtures/payments.js';
import { runAutopaymentDay } from '../../../src/features/autopayment/service.js';
import { acquirerFor } from '../../../src/features/payments/routes.js';
import { totalDue } from '../../../src/features/payments/allocation.js';
import { accountDebt } from '../../../src/features/payments/service.js';

const ENV = { APP_TODAY: '2026-12-02' };

t.test('auto-payment: told the day before, charged once on its day, nothing over the limit, a declined card retried at most three times', async (t) => {
  const { app, db, config } = await listeningApp(t.teardown, { seed: true, env: ENV });
  const resident = await demoResident(db);
  const agent = await residentAgent(app, db, config, resident.id);

  // The first card payment, with the card saved: the sandbox issues a recurring token.
  const other = await accountId(db, '7700000011');
  const page = await agent.get(`/payments?account=${other}`);
  const amount = /name="amount" type="text"\s*value="([^"]+)"/.exec(page.body)![1]!;
  const fields = await checkedPayment(agent, { account: String(other), mode: 'all', amount, method: 'card', saveCard: 'yes' });
  const { page: acquirerPage, paymentId: firstPayment } = await startPayment(agent, db, fields);
  await payByCard(agent, acquirerPage, '4111 1111 1111 1111');
  await settled(db, firstPayment);
  const tokenRow = await db.selectFrom('online_payments').select(['recurring_token', 'card_last4']).where('id', '=', firstPayment).executeTakeFirstOrThrow();
  t.ok(tokenRow.recurring_token, 'a recurring token');
  t.notMatch(tokenRow.recurring_token!, /4111/, 'never the card number');

  const account = await accountId(db, '7700000010');
  const owed = totalDue(await accountDebt(db, account));
  t.ok(owed > 0, 'the account owes money');
  const at = new Date('2026-12-15T06:00:00Z');
  await db.insertInto('autopayments').values({ payer_account_id: account, resident_id: resident.id, charge_day: 15, max_kopecks: owed, token_payment_id: firstPayment, created_at: at, updated_at: at }).execute();
  const acquirer = acquirerFor(config)!;
  const day = (today: string) => runAutopaymentDay({ db, acquirer, now: new Date(`${today}T06:00:00Z`), today, notifyUrl: `${config.publicUrl}/payments/notifications` });
  // Receipts of earlier payments are queued by their own jobs and may land in the outbox
  // later than a message of the day, so a message is looked for among those queued since.
  const lastOutboxId = async () => Number((await db.selectFrom('outbox').select((eb) => eb.fn.max('id').as('id')).executeTakeFirstOrThrow()).id ?? 0);
  const messagesSince = async (mark: number) =>
    JSON.stringify((await db.selectFrom('outbox').select('payload').where('job', '=', 'send-message').where('id', '>', mark).execute()).map((row) => row.payload));
  const recurring = (accountId: number) => db.selectFrom('online_payments').selectAll().where('payer_account_id', '=', accountId).where('kind', '=', 'recurring').execute();

  t.match(await day('2026-12-13'), { reminded: 0, succeeded: 0 }, 'two days before: nothing');
  const beforeReminder = await lastOutboxId();
  t.match(await day('2026-12-14'), { reminded: 1, succeeded: 0 }, 'the day before: the reminder');
  t.match(await day('2026-12-14'), { reminded: 0 }, 'once');
  t.match(await messagesSince(beforeReminder), /Автоплатёж по лицевому счёту 7700000010 завтра/);
  t.equal((await recurring(account)).length, 0, 'nothing charged before the day');

  t.match(await day('2026-12-15'), { succeeded: 1 }, 'the day: the amount due is charged');
  const [charged] = await recurring(account);
  t.equal(Number(charged!.amount_kopecks), owed, 'exactly the amount due, within the limit');
  t.equal(charged!.status, 'succeeded');
  t.equal(totalDue(await accountDebt(db, account)), 0, 'the debt is paid');
  const again = await Promise.all([day('2026-12-15'), day('2026-12-15'), day('2026-12-16')]);
  t.same(again.map((r) => r.succeeded), [0, 0, 0], 'a second run, concurrent runs and the next day charge nothing');
  t.equal((await recurring(account)).length, 1, 'one charge in the period');

  // Over the limit: nothing is charged, the resident is told, and that is the month's outcome.
  const debtor = await accountId(db, '7700000002');
  await db.insertInto('autopayments').values({ payer_account_id: debtor, resident_id: resident.id, charge_day: 20, max_kopecks: 100, token_payment_id: firstPayment, created_at: at, updated_at: at }).execute();
  const beforeOverLimit = await lastOutboxId();
  t.match(await day('2026-12-20'), { over_limit: 1, succeeded: 0 });
  t.equal((await recurring(debtor)).length, 0, 'nothing charged over the limit');
  t.match(await messagesSince(beforeOverLimit), /больше максимальной суммы/);
  t.match(await day('2026-12-20'), { over_limit: 0 }, 'once per period');

  // A card the bank declines: tried on the day and on the two days after, then given up.
  const declinedToken = await db
    .insertInto('online_payments')
    .values({ resident_id: resident.id, payer_account_id: other, idempotency_key: 'declined-card-token-0001', method: 'card', amount_kopecks: 100, acquirer: 'sandbox', status: 'failed', recurring_token: 'tok_revoked_by_bank' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const third = await accountId(db, '7700000001');
  await db.insertInto('autopayments').values({ payer_account_id: third, resident_id: resident.id, charge_day: 10, max_kopecks: 10_000_000, token_payment_id: Number(declinedToken.id), created_at: at, updated_at: at }).execute();
  t.match(await day('2027-01-10'), { retry: 1 });
  t.match(await day('2027-01-10'), { retry: 0 }, 'not again the same day');
  t.match(await day('2027-01-11'), { retry: 1 });
  t.match(await day('2027-01-12'), { failed: 1 });
  t.match(await day('2027-01-13'), { retry: 0, failed: 0 });
  const attempts = await recurring(third);
  t.equal(attempts.length, 3, 'three attempts in all');
  t.ok(attempts.every((p) => p.status === 'failed'), 'none took money');
  const charge = await db.selectFrom('autopayment_charges').selectAll().where('payer_account_id', '=', third).executeTakeFirstOrThrow();
  t.match(charge, { status: 'failed', attempts: 3, period: '2027-01-01' });

  // Cancelled: nothing more happens.
  await db.updateTable('autopayments').set({ cancelled_at: at }).where('payer_account_id', '=', account).execute();
  t.match(await day('2027-01-15'), { succeeded: 0, due: 0 });
  t.equal((await recurring(account)).length, 1);
});
