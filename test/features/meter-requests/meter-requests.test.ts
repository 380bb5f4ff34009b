import t from 'tap';
import { messageTo, testApp } from '../../fixtures/app.js';
import { accountId, coOwnerAccepted, createResident, createStaff, demoResident, linkApproved, meterOf, residentAgent, staffAgent } from '../../fixtures/accounts.js';
import { EXE, JPEG, PDF, multipartBody, type Part } from '../../fixtures/identity.js';

const NEW_GAS = { kind: 'new', resource: 'gas', zones: '1', serialNumber: 'GZ-2026-77', datedOn: '2026-11-10', nextVerificationDate: '2036-11-10', initial1: '3,5' };

function fields(values: Record<string, string>): Part[] {
  return Object.entries(values).map(([name, value]) => ({ name, value }));
}

t.test('a resident files a meter request with the certificate; a moderator approves it once or rejects it with a reason', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, env: { APP_TODAY: '2026-11-20' } });
  const resident = await demoResident(db);
  const agent = await residentAgent(app, db, config, resident.id);
  const id = await accountId(db, '7700000010');
  const url = `/readings/accounts/${id}/meter-requests`;
  const file = async (parts: Part[]) => {
    if (!agent.csrfToken) await agent.get(url);
    const { body, contentType } = multipartBody([{ name: '_csrf', value: agent.csrfToken }, ...parts]);
    return agent.send('POST', url, body, contentType);
  };

  t.match((await agent.get('/readings')).body, `href="${url}">Заявка на регистрацию счётчика</a>`, 'linked from «Показания»');
  const page = await agent.get(url);
  t.equal(page.statusCode, 200);
  t.match(page.body, 'enctype="multipart/form-data"');
  t.match(page.body, '>Свидетельство о поверке</label>');
  t.match(page.body, 'Заявок на регистрацию счётчиков по этому лицевому счёту ещё не было');

  const forged = multipartBody([{ name: '_csrf', value: 'forged' }, ...fields(NEW_GAS), { name: 'certificate', filename: 'svid.pdf', content: PDF }]);
  t.equal((await agent.send('POST', url, forged.body, forged.contentType)).statusCode, 403, 'the token is checked first');

  // Bad fields and a file that is not what its name says: all answered next to the fields, input kept.
  const bad = await file([...fields({ ...NEW_GAS, serialNumber: 'GZ-2026-77', nextVerificationDate: '2020-01-01', initial1: 'много' }), { name: 'certificate', filename: 'svid.pdf', content: EXE, type: 'application/pdf' }]);
  t.equal(bad.statusCode, 422);
  t.match(bad.body, 'не является изображением JPEG, PNG или документом PDF');
  t.match(bad.body, 'Дата следующей поверки должна быть позже сегодняшней');
  t.match(bad.body, 'id="initial1-error"');
  t.match(bad.body, 'value="GZ-2026-77"', 'the serial number typed is kept');
  t.match((await file(fields(NEW_GAS))).body, 'Приложите свидетельство о поверке');
  const water = await file([...fields({ ...NEW_GAS, resource: 'cold_water' }), { name: 'certificate', filename: 'svid.pdf', content: PDF }]);
  t.match(water.body, 'уже есть работающий счётчик', 'a new meter only for a resource without a working one');
  t.match((await file([...fields({ kind: 'verified', meterId: '999999', datedOn: '2026-11-01', nextVerificationDate: '2032-11-01' }), { name: 'certificate', filename: 'svid.pdf', content: PDF }])).body, 'Выберите счётчик, который прошёл поверку');
  t.equal(await db.selectFrom('meter_requests').select('id').execute().then((r) => r.length), 0, 'nothing was kept');

  t.equal((await file([...fields(NEW_GAS), { name: 'certificate', filename: 'Свидетельство.pdf', content: PDF, type: 'application/pdf' }])).statusCode, 303);
  const hot = await meterOf(db, '7700000010', 'hot_water');
  t.equal((await file([...fields({ kind: 'verified', meterId: String(hot.id), datedOn: '2026-11-12', nextVerificationDate: '2032-11-12' }), { name: 'certificate', filename: 'poverka.jpg', content: JPEG }])).statusCode, 303);
  const again = await file([...fields(NEW_GAS), { name: 'certificate', filename: 'svid.pdf', content: PDF }]);
  t.equal(again.statusCode, 422);
  t.match(again.body, 'По этому ресурсу уже есть заявка на проверке', 'one waiting request per resource');
  const [gasRequest, verification] = await db.selectFrom('meter_requests').selectAll().orderBy('id').execute();
  t.same([gasRequest!.kind, gasRequest!.status, gasRequest!.mime_type, Number(gasRequest!.initial_t1)], ['new', 'pending', 'application/pdf', 3.5]);
  t.same([verification!.kind, verification!.meter_id, verification!.mime_type], ['verified', hot.id, 'image/jpeg']);
  const listed = await agent.get(`${url}?sent=1`);
  t.match(listed.body, 'Заявка отправлена');
  t.match(listed.body, 'На проверке');
  const own = await agent.get(`${url}/${gasRequest!.id}/certificate`);
  t.equal(own.statusCode, 200);
  t.same(own.rawPayload, PDF);

  // Another resident: 404 for the page, the form and the certificate, even through their own account.
  const stranger = await createResident(db, { identityStatus: 'confirmed' });
  const other = await accountId(db, '7700000011');
  await db.deleteFrom('account_links').where('payer_account_id', '=', other).execute();
  await linkApproved(db, stranger.id, '7700000011');
  const strangerAgent = await residentAgent(app, db, config, stranger.id);
  t.equal((await strangerAgent.get(url)).statusCode, 404);
  t.equal((await strangerAgent.get(`${url}/${gasRequest!.id}/certificate`)).statusCode, 404);
  t.equal((await strangerAgent.get(`/readings/accounts/${other}/meter-requests/${gasRequest!.id}/certificate`)).statusCode, 404);
  await strangerAgent.get(`/readings/accounts/${other}/meter-requests`);
  const sneaky = multipartBody([{ name: '_csrf', value: strangerAgent.csrfToken }, ...fields(NEW_GAS), { name: 'certificate', filename: 'svid.pdf', content: PDF }]);
  t.equal((await strangerAgent.send('POST', url, sneaky.body, sneaky.contentType)).statusCode, 404);
  // A co-owner with «Просмотр» sees the page but cannot file.
  const viewer = await createResident(db, { identityStatus: 'confirmed' });
  await coOwnerAccepted(db, resident.id, viewer.id, '7700000010', 'view');
  const viewerAgent = await residentAgent(app, db, config, viewer.id);
  t.match((await viewerAgent.get(url)).body, 'Регистрировать счётчики может только владелец');
  const viewerPost = multipartBody([{ name: '_csrf', value: viewerAgent.csrfToken }, ...fields(NEW_GAS), { name: 'certificate', filename: 'svid.pdf', content: PDF }]);
  t.equal((await viewerAgent.send('POST', url, viewerPost.body, viewerPost.contentType)).statusCode, 403);

  // The moderator's queue and page: the certificate is shown, each view audited.
  const moderatorId = await createStaff(db, ['moderator']);
  const moderator = await staffAgent(app, db, config, moderatorId);
  const queue = await moderator.get('/admin/meter-requests');
  t.match(queue.body, `href="/admin/meter-requests/${gasRequest!.id}"`);
  const show = await moderator.get(`/admin/meter-requests/${verification!.id}`);
  t.match(show.body, `<img src="/admin/meter-requests/${verification!.id}/certificate"`);
  const certificate = await moderator.get(`/admin/meter-requests/${verification!.id}/certificate`);
  t.equal(certificate.headers['content-type'], 'image/jpeg');
  t.same(certificate.rawPayload, JPEG);
  const seen = await db.selectFrom('audit_log').selectAll().where('action', '=', 'meter-request.certificate.viewed').executeTakeFirstOrThrow();
  t.same([seen.staff_id, seen.subject_id], [moderatorId, String(verification!.id)]);
  const dispatcher = await staffAgent(app, db, config, await createStaff(db, ['dispatcher']));
  t.equal((await dispatcher.get(`/admin/meter-requests/${gasRequest!.id}/certificate`)).statusCode, 403);

  // Approval under a double post: one meter, one audit entry, the second answer says it was decided.
  await moderator.get(`/admin/meter-requests/${gasRequest!.id}`);
  const [first, second] = await Promise.all([
    moderator.post(`/admin/meter-requests/${gasRequest!.id}/approval`, {}),
    moderator.post(`/admin/meter-requests/${gasRequest!.id}/approval`, {}),
  ]);
  t.same([first.statusCode, second.statusCode].sort(), [303, 409]);
  const gasMeters = await db.selectFrom('meters').selectAll().where('payer_account_id', '=', id).where('resource', '=', 'gas').execute();
  t.equal(gasMeters.length, 1, 'the meter is created exactly once');
  t.same([gasMeters[0]!.serial_number, gasMeters[0]!.installed_on, gasMeters[0]!.next_verification_date, Number(gasMeters[0]!.initial_t1)], ['GZ-2026-77', '2026-11-10', '2036-11-10', 3.5]);
  const approved = await db.selectFrom('meter_requests').selectAll().where('id', '=', gasRequest!.id).executeTakeFirstOrThrow();
  t.same([approved.status, approved.result_meter_id, approved.decided_by], ['approved', gasMeters[0]!.id, moderatorId]);
  t.equal((await db.selectFrom('audit_log').select('id').where('action', 'in', ['meter-request.approved', 'meter.added']).execute()).length, 2);
  const approvedMail = await messageTo(db, resident.email);
  t.match(approvedMail.text, 'одобрена: новый счётчик, газ');

  // Rejection needs a reason; the resident sees it.
  const empty = await moderator.post(`/admin/meter-requests/${verification!.id}/rejection`, { reason: ' ' });
  t.equal(empty.statusCode, 422);
  t.match(empty.body, 'Укажите причину отказа');
  t.equal((await moderator.post(`/admin/meter-requests/${verification!.id}/rejection`, { reason: 'Свидетельство нечитаемо' })).statusCode, 303);
  t.equal((await meterOf(db, '7700000010', 'hot_water')).next_verification_date, hot.next_verification_date, 'a rejected verification changes nothing');
  t.match((await messageTo(db, resident.email, approvedMail.id)).text, 'Причина: Свидетельство нечитаемо');
  const after = await agent.get(url);
  t.match(after.body, 'Отклонено');
  t.match(after.body, 'Причина: Свидетельство нечитаемо');
  t.match(after.body, 'Одобрено');
  t.equal((await moderator.post(`/admin/meter-requests/${verification!.id}/approval`, {})).statusCode, 409, 'the first decision stands');
});

t.test('an approved verification records the new next-verification date on the same meter', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, redis: false, env: { APP_TODAY: '2026-11-20' } });
  const resident = await demoResident(db);
  const agent = await residentAgent(app, db, config, resident.id);
  const id = await accountId(db, '7700000010');
  const url = `/readings/accounts/${id}/meter-requests`;
  await agent.get(url);
  const cold = await meterOf(db, '7700000010', 'cold_water');
  const { body, contentType } = multipartBody([
    { name: '_csrf', value: agent.csrfToken },
    ...fields({ kind: 'verified', meterId: String(cold.id), datedOn: '2026-11-15', nextVerificationDate: '2032-11-15' }),
    { name: 'certificate', filename: 'poverka.pdf', content: PDF },
  ]);
  t.equal((await agent.send('POST', url, body, contentType)).statusCode, 303);
  const request = await db.selectFrom('meter_requests').select('id').executeTakeFirstOrThrow();
  const moderator = await staffAgent(app, db, config, await createStaff(db, ['moderator']));
  t.match((await moderator.get(`/admin/meter-requests/${request.id}`)).body, 'Открыть PDF «poverka.pdf»');
  t.equal((await moderator.post(`/admin/meter-requests/${request.id}/approval`, {})).statusCode, 303);
  const meter = await meterOf(db, '7700000010', 'cold_water');
  t.same([meter.id, meter.next_verification_date], [cold.id, '2032-11-15']);
  t.ok(await db.selectFrom('audit_log').select('id').where('action', '=', 'meter.verified').where('subject_id', '=', String(cold.id)).executeTakeFirst());
});

t.test('a resident withdraws a waiting request after a confirmation; a decided one stays; only the owner of the account may', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, env: { APP_TODAY: '2026-11-20' } });
  const resident = await demoResident(db);
  const agent = await residentAgent(app, db, config, resident.id);
  const id = await accountId(db, '7700000010');
  const url = `/readings/accounts/${id}/meter-requests`;
  await agent.get(url);
  const { body, contentType } = multipartBody([{ name: '_csrf', value: agent.csrfToken }, ...fields(NEW_GAS), { name: 'certificate', filename: 'svid.pdf', content: PDF }]);
  t.equal((await agent.send('POST', url, body, contentType)).statusCode, 303);
  const filed = await db.selectFrom('meter_requests').select('id').executeTakeFirstOrThrow();
  const withdrawUrl = `${url}/${filed.id}/withdraw`;
  t.match((await agent.get(url)).body, `href="${withdrawUrl}">Отозвать`, 'offered next to the waiting request');

  // Not the owner: a co-owner is refused, another resident finds nothing.
  const viewer = await createResident(db);
  await coOwnerAccepted(db, resident.id, viewer.id, '7700000010', 'view_pay');
  const coOwner = await residentAgent(app, db, config, viewer.id);
  await coOwner.get(url);
  t.notMatch((await coOwner.get(url)).body, 'Отозвать', 'no withdrawal offered to a co-owner');
  t.equal((await coOwner.get(withdrawUrl)).statusCode, 403);
  t.equal((await coOwner.post(withdrawUrl, {})).statusCode, 403);
  const someoneElse = await createResident(db);
  const stranger = await residentAgent(app, db, config, someoneElse.id);
  const theirs = await linkApproved(db, someoneElse.id, '7700000002');
  await stranger.get('/readings');
  t.equal((await stranger.get(withdrawUrl)).statusCode, 404);
  t.equal((await stranger.post(withdrawUrl, {})).statusCode, 404);
  t.equal((await agent.get(`/readings/accounts/${theirs}/meter-requests/${filed.id}/withdraw`)).statusCode, 404, 'a request under an account it does not belong to');

  // The owner: confirmation page, then withdrawn, audited, out of the moderators' queue.
  const confirm = await agent.get(withdrawUrl);
  t.equal(confirm.statusCode, 200);
  t.match(confirm.body, 'Отозвать заявку?');
  t.match(confirm.body, `<form method="post" action="${withdrawUrl}">`);
  t.match(confirm.body, 'GZ-2026-77');
  const withdrawn = await agent.post(withdrawUrl, {});
  t.equal(withdrawn.statusCode, 303);
  t.equal(withdrawn.headers.location, `${url}?withdrawn=1`);
  const listed = await agent.get(withdrawn.headers.location as string);
  t.match(listed.body, 'Заявка отозвана');
  t.match(listed.body, 'Отозвана');
  t.notMatch(listed.body, `href="${withdrawUrl}"`, 'nothing more to withdraw');
  t.match(await db.selectFrom('meter_requests').select(['status', 'decided_by']).where('id', '=', filed.id).executeTakeFirstOrThrow(), { status: 'withdrawn', decided_by: null });
  t.match(await db.selectFrom('audit_log').select(['staff_id', 'subject_id', 'details']).where('action', '=', 'meter-request.withdrawn').executeTakeFirstOrThrow(), { staff_id: null, subject_id: String(filed.id), details: { residentId: resident.id, accountId: id } });
  const moderator = await staffAgent(app, db, config, await createStaff(db, ['moderator']));
  t.notMatch((await moderator.get('/admin/meter-requests')).body, 'GZ-2026-77', 'gone from the queue');
  await moderator.get(`/admin/meter-requests/${filed.id}`);
  t.equal((await moderator.post(`/admin/meter-requests/${filed.id}/approval`, {})).statusCode, 409, 'a withdrawn request is not approved');
  t.equal((await db.selectFrom('meters').select('id').where('payer_account_id', '=', id).where('resource', '=', 'gas').execute()).length, 0);

  // A new one may be filed for the same resource; once decided, it is not withdrawn.
  const again = multipartBody([{ name: '_csrf', value: agent.csrfToken }, ...fields(NEW_GAS), { name: 'certificate', filename: 'svid.pdf', content: PDF }]);
  t.equal((await agent.send('POST', url, again.body, again.contentType)).statusCode, 303, 'the resource is free again');
  const second = await db.selectFrom('meter_requests').select('id').where('status', '=', 'pending').executeTakeFirstOrThrow();
  await moderator.get(`/admin/meter-requests/${second.id}`);
  t.equal((await moderator.post(`/admin/meter-requests/${second.id}/rejection`, { reason: 'Свидетельство нечитаемо' })).statusCode, 303);
  t.equal((await agent.get(`${url}/${second.id}/withdraw`)).statusCode, 303, 'the confirmation sends back to the list');
  const late = await agent.post(`${url}/${second.id}/withdraw`, {});
  t.equal(late.statusCode, 409);
  t.match(late.body, 'Заявку уже рассмотрел сотрудник');
  t.equal((await db.selectFrom('meter_requests').select('status').where('id', '=', second.id).executeTakeFirstOrThrow()).status, 'rejected');
});
