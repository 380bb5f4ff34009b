import t from 'tap';
import { Agent, messageTo, testApp } from '../../fixtures/app.js';
import { accountId, createResident, demoResident, residentAgent } from '../../fixtures/accounts.js';
import { createClock } from '../../../src/lib/calendar.js';
import { lockWaitSeen } from '../../fixtures/database.js';

const DAY = 86_400_000;

function movableClock(today: string) {
  let shiftMs = 0;
  const base = createClock(today);
  return {
    clock: { now: () => new Date(base.now().getTime() + shiftMs), today: () => new Date(base.now().getTime() + shiftMs + 3 * 3600_000).toISOString().slice(0, 10) },
    advance: (ms: number) => (shiftMs += ms),
  };
}

function tokenFrom(text: string): string {
  return /\/co-owners\/invitation\?token=([A-Za-z0-9_-]{43})/.exec(text)![1]!;
}

t.test('the owner invites a co-owner who accepts and sees the account with exactly those rights', async (t) => {
  const { clock } = movableClock('2026-11-20');
  const { app, db, config } = await testApp(t.teardown, { seed: true, clock });
  const owner = await demoResident(db);
  const ownerPages = await residentAgent(app, db, config, owner.id);
  const id = await accountId(db, '7700000010');

  const list = await ownerPages.get('/co-owners');
  t.match(list.body, `href="/co-owners/accounts/${id}/invitations/new">Пригласить совладельца</a>`);
  const form = await ownerPages.get(`/co-owners/accounts/${id}/invitations/new`);
  t.match(form.body, '<legend class="field__label">Права</legend>');
  t.match(form.body, '<label for="rights-view">Просмотр</label>');
  t.match(form.body, '<label for="rights-view-pay">Просмотр и оплата</label>');

  const invalid = await ownerPages.post(`/co-owners/accounts/${id}/invitations`, { email: 'not-an-email', rights: 'admin' });
  t.equal(invalid.statusCode, 422);
  t.match(invalid.body, 'Введите адрес электронной почты, например');
  t.match(invalid.body, 'Выберите права');
  const self = await ownerPages.post(`/co-owners/accounts/${id}/invitations`, { email: 'Resident@Demo.local', rights: 'view' });
  t.match(self.body, 'Нельзя пригласить самого себя');

  const invited = await ownerPages.post(`/co-owners/accounts/${id}/invitations`, { email: 'Co.Owner@example.test', rights: 'view' });
  t.equal(invited.statusCode, 303);
  const email = await messageTo(db, 'Co.Owner@example.test');
  t.match(email.text, '7700000010');
  t.match(email.text, 'Права: Просмотр.');
  const token = tokenFrom(email.text);
  t.notOk(await db.selectFrom('tokens').select('id').where('token_hash', '=', token).executeTakeFirst(), 'the token is stored hashed');
  const pending = await ownerPages.get('/co-owners?done=invited');
  t.match(pending.body, 'Co.Owner@example.test');
  t.match(pending.body, 'Приглашение отправлено');

  const twice = await ownerPages.post(`/co-owners/accounts/${id}/invitations`, { email: 'co.owner@example.test', rights: 'view_pay' });
  t.equal(twice.statusCode, 422);
  t.match(twice.body, 'Этот адрес уже приглашён');

  // Not signed in: the page offers sign-in and sign-up, coming back here afterwards.
  const anonymous = new Agent(app);
  const landing = await anonymous.get(`/co-owners/invitation?token=${token}`);
  t.equal(landing.statusCode, 200);
  const back = encodeURIComponent(`/co-owners/invitation?token=${token}`);
  t.match(landing.body, `href="/login?next=${back}"`);
  t.match(landing.body, `href="/register?next=${back}"`);
  t.notMatch(landing.body, 'Принять приглашение');
  const anonymousPost = await anonymous.post('/co-owners/invitation', { token });
  t.equal(anonymousPost.statusCode, 303);
  t.match(anonymousPost.headers.location, /^\/login\?next=/);

  // Someone else holding the link may not accept it.
  const stranger = await residentAgent(app, db, config, (await createResident(db)).id);
  const strangerPage = await stranger.get(`/co-owners/invitation?token=${token}`);
  t.match(strangerPage.body, 'Приглашение отправлено на другой адрес');
  t.equal((await stranger.post('/co-owners/invitation', { token })).statusCode, 403);

  // The invitee signs up with the invited address, has their identity confirmed, and accepts.
  const coOwner = await createResident(db, { email: 'co.owner@example.test' });
  const coPages = await residentAgent(app, db, config, coOwner.id);
  const acceptPage = await coPages.get(`/co-owners/invitation?token=${token}`);
  t.match(acceptPage.body, '>Принять приглашение</button>');
  const accepted = await coPages.post('/co-owners/invitation', { token });
  t.equal(accepted.statusCode, 303);
  const grant = await db.selectFrom('co_owner_grants').selectAll().where('payer_account_id', '=', id).executeTakeFirstOrThrow();
  t.equal(grant.accepted_by, coOwner.id);
  t.equal((await coPages.post('/co-owners/invitation', { token })).statusCode, 404, 'the link is single-use');

  // View rights: sees readings and dwelling data, submits nothing, invites nobody.
  const readings = await coPages.get('/readings');
  t.match(readings.body, 'Лицевой счёт 7700000010');
  t.notMatch(readings.body, 'Лицевой счёт 7700000011', 'only the shared account');
  t.notMatch(readings.body, '>Передать показания</button>');
  t.match(readings.body, 'Передавать показания может владелец');
  t.equal((await coPages.post(`/readings/accounts/${id}`, { x: '1' })).statusCode, 403);
  t.equal((await coPages.get(`/dwelling/${id}`)).statusCode, 200);
  t.equal((await coPages.get(`/co-owners/accounts/${id}/invitations/new`)).statusCode, 404);
  t.equal((await coPages.post(`/co-owners/accounts/${id}/invitations`, { email: 'third@example.test', rights: 'view' })).statusCode, 404);
  t.equal((await coPages.get(`/co-owners/grants/${grant.id}/revocation`)).statusCode, 404, 'a co-owner cannot revoke either');
  const shared = await coPages.get('/co-owners');
  t.match(shared.body, 'Доступные мне как совладельцу');
  t.match(shared.body, '7700000010');
  t.match(shared.body, '— Просмотр');
  const services = await coPages.get('/services');
  t.match(services.body, 'Доступ совладельца');
  t.match(services.body, `href="/dwelling/${id}"`);

  // The owner revokes, after a confirmation page.
  const confirm = await ownerPages.get(`/co-owners/grants/${grant.id}/revocation`);
  t.match(confirm.body, 'Отозвать доступ?');
  t.match(confirm.body, '>Отозвать доступ</button>');
  const revoked = await ownerPages.post(`/co-owners/grants/${grant.id}/revocation`);
  t.equal(revoked.statusCode, 303);
  t.equal((await coPages.get(`/dwelling/${id}`)).statusCode, 404);
  t.notMatch((await coPages.get('/readings')).body, '7700000010');
});

t.test('«Просмотр и оплата» gives the pay right; an invitation dies after 7 days or when revoked', async (t) => {
  const { clock, advance } = movableClock('2026-11-20');
  const { app, db, config } = await testApp(t.teardown, { seed: true, clock });
  const owner = await demoResident(db);
  const ownerPages = await residentAgent(app, db, config, owner.id);
  const id = await accountId(db, '7700000011');
  await ownerPages.get('/co-owners');

  await ownerPages.post(`/co-owners/accounts/${id}/invitations`, { email: 'payer@example.test', rights: 'view_pay' });
  const payerToken = tokenFrom((await messageTo(db, 'payer@example.test')).text);
  const payer = await createResident(db, { email: 'payer@example.test' });
  const payerPages = await residentAgent(app, db, config, payer.id);
  await payerPages.get(`/co-owners/invitation?token=${payerToken}`);
  t.equal((await payerPages.post('/co-owners/invitation', { token: payerToken })).statusCode, 303);
  const { accountFor, can } = await import('../../../src/features/accounts/access.js');
  const access = (await accountFor(db, payer.id, id))!;
  t.equal(access.rights, 'view_pay');
  t.ok(can(access.rights, 'pay'));
  t.notOk(can(access.rights, 'submit-readings'));
  t.notOk(can(access.rights, 'invite'));
  t.notOk(can(access.rights, 'change-dwelling'));

  // Revoking a pending invitation kills its link.
  await ownerPages.post(`/co-owners/accounts/${id}/invitations`, { email: 'late@example.test', rights: 'view' });
  const lateToken = tokenFrom((await messageTo(db, 'late@example.test')).text);
  const lateGrant = await db.selectFrom('co_owner_grants').select('id').where('invited_email', '=', 'late@example.test').executeTakeFirstOrThrow();
  await ownerPages.get(`/co-owners/grants/${lateGrant.id}/revocation`);
  await ownerPages.post(`/co-owners/grants/${lateGrant.id}/revocation`);
  const late = await residentAgent(app, db, config, (await createResident(db, { email: 'late@example.test' })).id);
  t.equal((await late.get(`/co-owners/invitation?token=${lateToken}`)).statusCode, 404);

  // After 7 days the link no longer works.
  await ownerPages.post(`/co-owners/accounts/${id}/invitations`, { email: 'slow@example.test', rights: 'view' });
  const slowToken = tokenFrom((await messageTo(db, 'slow@example.test')).text);
  const slow = await residentAgent(app, db, config, (await createResident(db, { email: 'slow@example.test' })).id);
  advance(7 * DAY + 60_000);
  const expired = await slow.get(`/co-owners/invitation?token=${slowToken}`);
  t.equal(expired.statusCode, 404);
  t.match(expired.body, 'Ссылка недействительна');
  t.equal((await slow.post('/co-owners/invitation', { token: slowToken })).statusCode, 404);
  t.match((await ownerPages.get('/co-owners')).body, 'Приглашение истекло');
});

t.test('a double-clicked invitation leaves one grant', async (t) => {
  const { clock } = movableClock('2026-11-20');
  const { db, config } = await testApp(t.teardown, { seed: true, clock });
  const { invite } = await import('../../../src/features/co-owners/service.js');
  const owner = await demoResident(db);
  const id = await accountId(db, '7700000010');
  const input = {
    accountId: id, payerCode: '7700000010', address: 'адрес', residentId: owner.id,
    form: { email: 'twice@example.test', rights: 'view' }, now: clock.now(), publicUrl: config.publicUrl,
  };
  // The second request arrives while the first one's transaction is still open.
  let second: Promise<{ ok: boolean }> | undefined;
  const first = await db.transaction().execute(async (trx) => {
    const result = await invite(trx, input);
    second = db.transaction().execute((other) => invite(other, input));
    await lockWaitSeen(db);
    return result;
  });
  t.equal(first.ok, true);
  t.equal((await second!).ok, false, 'the second one sees the first one\'s invitation');
  const grants = await db.selectFrom('co_owner_grants').select('id').where('invited_email', '=', 'twice@example.test').execute();
  t.equal(grants.length, 1);
});

t.test('a co-owner invitation is accepted only after the invitee’s identity is confirmed', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, env: { APP_TODAY: '2026-11-20' } });
  const owner = await demoResident(db);
  const ownerPages = await residentAgent(app, db, config, owner.id);
  const id = await accountId(db, '7700000011');
  await ownerPages.get('/co-owners');
  t.equal((await ownerPages.post(`/co-owners/accounts/${id}/invitations`, { email: 'newcomer@example.test', rights: 'view_pay' })).statusCode, 303);
  const token = tokenFrom((await messageTo(db, 'newcomer@example.test')).text);

  const invitee = await createResident(db, { email: 'newcomer@example.test', identityStatus: 'none' });
  const pages = await residentAgent(app, db, config, invitee.id);
  const landing = await pages.get(`/co-owners/invitation?token=${token}`);
  t.match(landing.body, 'Принять приглашение может только пользователь с подтверждённой личностью');
  t.match(landing.body, '<a class="button" href="/identity">Подтвердить личность</a>');
  t.notMatch(landing.body, '>Принять приглашение</button>');
  // A hand-made POST is refused too, and nothing is granted.
  const forced = await pages.post('/co-owners/invitation', { token });
  t.equal(forced.statusCode, 403);
  const grant = await db.selectFrom('co_owner_grants').select(['accepted_by']).where('invited_email', '=', 'newcomer@example.test').executeTakeFirstOrThrow();
  t.equal(grant.accepted_by, null);

  // «Подтверждение личности» remembers the invitation while the documents are checked…
  const waiting = await pages.get('/identity');
  t.match(waiting.body, 'Вас ждёт приглашение совладельца: принять его можно после подтверждения личности');
  // …and once confirmed leads back to it.
  await db.updateTable('residents').set({ identity_status: 'confirmed' }).where('id', '=', invitee.id).execute();
  const confirmed = await pages.get('/identity');
  t.match(confirmed.body, `href="/co-owners/invitation?token=${token}">Вернуться к приглашению</a>`);
  const back = await pages.get(`/co-owners/invitation?token=${token}`);
  t.match(back.body, '>Принять приглашение</button>');
  t.equal((await pages.post('/co-owners/invitation', { token })).statusCode, 303);
  t.equal((await db.selectFrom('co_owner_grants').select('accepted_by').where('invited_email', '=', 'newcomer@example.test').executeTakeFirstOrThrow()).accepted_by, invitee.id);
  t.notMatch((await pages.get('/identity')).body, 'Вернуться к приглашению', 'forgotten once accepted');
});
