import t from 'tap';
import { messageTo, testApp } from '../../fixtures/app.js';
import { accountId, createResident, createStaff, linkApproved, residentAgent, staffAgent } from '../../fixtures/accounts.js';
import { DEMO_PROVIDER } from '../../../src/features/accounts/seed.js';
import { REGISTRY_CHECK_LIMITS } from '../../../src/features/linking/rules.js';

// Linking checks the registry when sent, never gives an account a second owner,
// and lets staff hand the ownership over on a recorded ground.

t.test('linking a flat', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true });
  const provider = await db.selectFrom('providers').select('id').where('name', '=', DEMO_PROVIDER).executeTakeFirstOrThrow();
  const linksOf = (residentId: number) => db.selectFrom('account_links').selectAll().where('resident_id', '=', residentId).orderBy('id').execute();

  async function signedInResident() {
    const resident = await createResident(db);
    const agent = await residentAgent(app, db, config, resident.id);
    await agent.get('/services/utilities/new');
    const ask = (payerCode: string, flat: string, providerId = String(provider.id)) =>
      agent.post('/services/utilities/new', { payerCode, providerId, flat, consent: 'yes' });
    return { resident, agent, ask };
  }

  t.test('«кв. 1» matches flat 1 and is stored as the registry writes it', async (t) => {
    const { resident, ask } = await signedInResident();
    t.equal((await ask('7700000001', 'кв. 1')).statusCode, 303);
    const [link] = await linksOf(resident.id);
    t.equal(link!.requested_flat, '1');
  });

  t.test('a code the registry does not know, a flat of another account, another organisation: answered on the form', async (t) => {
    const { resident, ask } = await signedInResident();
    const unknown = await ask('9999999999', '7');
    t.equal(unknown.statusCode, 422);
    t.match(unknown.body, /<p class="field__error" id="payerCode-error">.*Лицевой счёт с таким номером не найден/s);
    t.match(unknown.body, 'value="9999999999"', 'the input is kept');
    const wrongFlat = await ask('7700000001', '12');
    t.equal(wrongFlat.statusCode, 422);
    t.match(wrongFlat.body, /id="flat-error">.*Эта квартира не относится к указанному лицевому счёту/s);
    const unreadable = await ask('7700000001', 'двенадцать');
    t.equal(unreadable.statusCode, 422);
    t.match(unreadable.body, 'Номер квартиры — цифры и, если есть, буква');
    const other = await db.insertInto('providers').values({ name: 'ООО «Другая УК»', inn: '7707083893' }).returning('id').executeTakeFirstOrThrow();
    const wrongProvider = await ask('7700000001', '1', String(other.id));
    t.equal(wrongProvider.statusCode, 422);
    t.match(wrongProvider.body, /id="providerId-error">.*обслуживает другая организация/s);
    t.same(await linksOf(resident.id), [], 'nothing reaches the moderator');
  });

  t.test('registry checks are limited per resident, so codes cannot be walked through', async (t) => {
    const { resident, ask } = await signedInResident();
    for (let i = 0; i < REGISTRY_CHECK_LIMITS.perResident.max; i += 1) {
      t.equal((await ask(`99999999${String(i).padStart(2, '0')}`, '1')).statusCode, 422);
    }
    const limited = await ask('7700000002', '2');
    t.equal(limited.statusCode, 429);
    t.ok(Number(limited.headers['retry-after']) > 0);
    t.match(limited.body, /id="payerCode-error">.*Слишком много проверок номера лицевого счёта\. Попробуйте снова через/s);
    t.same(await linksOf(resident.id), [], 'even a correct code waits for the limit');
    // A malformed form is answered without using up a check.
    const other = await signedInResident();
    t.equal((await other.ask('12', '1')).statusCode, 422);
    const counted = await db.selectFrom('rate_limits').select('hits').where('key', '=', `${REGISTRY_CHECK_LIMITS.perResident.name}:${other.resident.id}`).executeTakeFirst();
    t.equal(counted, undefined);
    t.equal((await other.ask('7700000002', '2')).statusCode, 303);
  });

  t.test('a resident withdraws a pending request and hides a refused one', async (t) => {
    const { resident, agent, ask } = await signedInResident();
    await ask('7700000003', '3');
    const [link] = await linksOf(resident.id);
    const list = await agent.get('/services');
    t.match(list.body, `action="/services/utilities/${link!.id}/withdrawal"`);
    t.match(list.body, '>Отменить заявку</button>');
    const withdrawn = await agent.post(`/services/utilities/${link!.id}/withdrawal`);
    t.equal(withdrawn.statusCode, 303);
    t.equal((await linksOf(resident.id))[0]!.status, 'withdrawn');
    const after = await agent.get('/services?done=withdrawn');
    t.match(after.body, 'Заявка отменена');
    t.match(after.body, 'Отменена');
    t.equal((await agent.post(`/services/utilities/${link!.id}/withdrawal`)).statusCode, 404, 'only a pending request can be withdrawn');

    // Someone else's request is not found.
    const stranger = await signedInResident();
    t.equal((await stranger.agent.post(`/services/utilities/${link!.id}/hiding`)).statusCode, 404);

    t.equal((await agent.post(`/services/utilities/${link!.id}/hiding`)).statusCode, 303);
    t.notMatch((await agent.get('/services')).body, '7700000003');
    t.ok((await linksOf(resident.id))[0]!.hidden_at, 'the moderator’s history keeps it');
    // The code may be asked for again.
    t.equal((await ask('7700000003', '3')).statusCode, 303);
  });

  t.test('an account that has an owner is never given a second one', async (t) => {
    const owner = await createResident(db);
    const id = await linkApproved(db, owner.id, '7700000020');
    const { resident, ask } = await signedInResident();
    const answer = await ask('7700000020', '5');
    t.equal(answer.statusCode, 409);
    t.match(answer.body, 'У этого лицевого счёта уже есть владелец в личном кабинете');
    t.match(answer.body, 'Пригласить совладельца');
    t.match(answer.body, resident.email, 'says which address the owner should invite');
    t.notMatch(answer.body, owner.email, 'the owner’s address is not disclosed');
    t.same(await linksOf(resident.id), []);

    // A request filed before the owner was approved cannot be approved afterwards.
    const pending = await db
      .insertInto('account_links')
      .values({ resident_id: resident.id, requested_payer_code: '7700000020', requested_provider_id: provider.id, requested_flat: '5', consented_at: new Date() })
      .returning('id')
      .executeTakeFirstOrThrow();
    const moderator = await staffAgent(app, db, config, await createStaff(db, ['moderator']));
    const page = await moderator.get(`/admin/link-requests/${pending.id}`);
    t.match(page.body, 'Кто уже подключил этот лицевой счёт');
    t.match(page.body, new RegExp(`Владелец:</strong> имя не подтверждено, ${owner.email.replace(/[.]/g, '\\.')}`));
    t.match(page.body, 'Уже есть владелец');
    t.notMatch(page.body, '>Одобрить</button>');
    t.match(page.body, `/admin/accounts/${id}#owner`);
    const approval = await moderator.post(`/admin/link-requests/${pending.id}/approval`);
    t.equal(approval.statusCode, 409);
    t.match(approval.body, 'у лицевого счёта уже есть владелец');
    const owners = await db.selectFrom('account_links').select('resident_id').where('payer_account_id', '=', id).where('status', '=', 'approved').execute();
    t.same(owners, [{ resident_id: owner.id }]);
    // And the database refuses it whatever the code path.
    await t.rejects(
      db.updateTable('account_links').set({ status: 'approved', payer_account_id: id }).where('id', '=', pending.id).execute(),
      /account_links_one_owner_key/,
    );
  });
});

t.test('staff transfer the ownership with a recorded reason; the previous owner is emailed', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true });
  const previous = await createResident(db);
  const id = await linkApproved(db, previous.id, '7700000003');
  const buyer = await createResident(db);
  const unconfirmed = await createResident(db, { identityStatus: 'pending' });
  const staffId = await createStaff(db, ['moderator']);
  const staff = await staffAgent(app, db, config, staffId);

  const form = await staff.get(`/admin/accounts/${id}/ownership`);
  t.equal(form.statusCode, 200);
  t.match(form.body, '>Электронная почта нового владельца</label>');
  t.match(form.body, '>Основание передачи</label>');
  t.match(form.body, `Нынешний владелец: ${previous.email}`);

  const empty = await staff.post(`/admin/accounts/${id}/ownership`, { email: '', reason: '' });
  t.equal(empty.statusCode, 422);
  t.match(empty.body, 'Введите адрес электронной почты нового владельца');
  t.match(empty.body, 'Укажите основание');
  const stranger = await staff.post(`/admin/accounts/${id}/ownership`, { email: 'nobody@example.test', reason: 'Выписка из ЕГРН' });
  t.match(stranger.body, 'Житель с таким адресом не зарегистрирован');
  const notConfirmed = await staff.post(`/admin/accounts/${id}/ownership`, { email: unconfirmed.email, reason: 'Выписка из ЕГРН' });
  t.match(notConfirmed.body, 'Личность этого жителя не подтверждена');
  t.match(notConfirmed.body, '>Выписка из ЕГРН</textarea>', 'the reason is kept');
  const same = await staff.post(`/admin/accounts/${id}/ownership`, { email: previous.email, reason: 'Выписка из ЕГРН' });
  t.match(same.body, 'Этот житель уже владелец');

  const reason = 'Выписка из ЕГРН от 01.11.2026 № 77/001/2026-1';
  const done = await staff.post(`/admin/accounts/${id}/ownership`, { email: buyer.email.toUpperCase(), reason });
  t.equal(done.statusCode, 303);
  t.equal(done.headers.location, `/admin/accounts/${id}?done=transferred#owner`);

  const links = await db.selectFrom('account_links').select(['resident_id', 'status']).where('payer_account_id', '=', id).orderBy('id').execute();
  t.same(links, [{ resident_id: previous.id, status: 'transferred' }, { resident_id: buyer.id, status: 'approved' }]);
  const transfer = await db.selectFrom('ownership_transfers').selectAll().where('payer_account_id', '=', id).executeTakeFirstOrThrow();
  t.same([transfer.from_resident_id, transfer.to_resident_id, transfer.reason, transfer.staff_id], [previous.id, buyer.id, reason, staffId]);
  const audit = await db.selectFrom('audit_log').selectAll().where('action', '=', 'account.ownership-transferred').executeTakeFirstOrThrow();
  t.equal(audit.staff_id, staffId);
  t.match(audit.details, { from: previous.email, to: buyer.email, reason });

  const letter = await messageTo(db, previous.email);
  t.match(letter.subject, 'Права владельца лицевого счёта переданы');
  t.match(letter.text, `Основание: ${reason}`);
  t.match((await messageTo(db, buyer.email)).subject, 'Вы владелец лицевого счёта');

  const page = await staff.get(`/admin/accounts/${id}?done=transferred`);
  t.match(page.body, 'Права владельца переданы');
  t.match(page.body, `${previous.email} → ${buyer.email}. Основание: ${reason}`);

  // The previous owner no longer reaches the account; the new one does.
  const before = await residentAgent(app, db, config, previous.id);
  t.equal((await before.get(`/dwelling/${id}`)).statusCode, 404);
  const after = await residentAgent(app, db, config, buyer.id);
  t.equal((await after.get(`/dwelling/${id}`)).statusCode, 200);
  t.notMatch((await before.get('/services')).body, '7700000003');
});

t.test('an owner sees everyone who has access to the account', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, redis: false });
  const owner = await createResident(db);
  const id = await accountId(db, '7700000002');
  await linkApproved(db, owner.id, '7700000002');
  const viewer = await createResident(db);
  await db
    .insertInto('co_owner_grants')
    .values({ payer_account_id: id, invited_by: owner.id, invited_email: viewer.email, rights: 'view', invited_at: new Date(), accepted_by: viewer.id, accepted_at: new Date() })
    .execute();
  const agent = await residentAgent(app, db, config, owner.id);
  const page = await agent.get('/co-owners');
  t.match(page.body, 'У кого есть доступ');
  t.match(page.body, `${owner.email} (вы)</td>`);
  t.match(page.body, /<td>Владелец<\/td>/);
  t.match(page.body, new RegExp(`<td[^>]*>${viewer.email.replace(/[.]/g, '\\.')}</td>\\s*<td[^>]*>Просмотр</td>`));
});
