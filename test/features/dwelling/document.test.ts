import t from 'tap';
import path from 'node:path';
import { testApp } from '../../fixtures/app.js';
import { accountId, createResident, createStaff, demoResident, linkApproved, residentAgent, staffAgent } from '../../fixtures/accounts.js';
import { EXE, PDF, filesIn, multipartBody, uploadedBytes, type Part } from '../../fixtures/identity.js';

t.test('a document behind a dwelling request: checked by its bytes, seen by its owner and by moderators (audited)', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { seed: true, redis: false, env: { APP_TODAY: '2026-11-20' } });
  const resident = await demoResident(db);
  const agent = await residentAgent(app, db, config, resident.id);
  const id = await accountId(db, '7700000010');
  const attach = async (parts: Part[]) => {
    if (!agent.csrfToken) await agent.get(`/dwelling/${id}`);
    const { body, contentType } = multipartBody([{ name: '_csrf', value: agent.csrfToken }, ...parts]);
    return agent.send('POST', `/dwelling/${id}/document`, body, contentType);
  };

  const early = await attach([{ name: 'document', filename: 'egrn.pdf', content: PDF, type: 'application/pdf' }]);
  t.equal(early.statusCode, 422);
  t.match(early.body, 'Нет заявки на рассмотрении');

  t.equal((await agent.post(`/dwelling/${id}`, { area: '64,1', residentsCount: '4', comment: '' })).statusCode, 303);
  const page = await agent.get(`/dwelling/${id}`);
  t.match(page.body, /action="\/dwelling\/\d+\/document" enctype="multipart\/form-data"/);
  t.match(page.body, '>Документ к заявке</label>');

  const forged = multipartBody([{ name: '_csrf', value: 'forged' }, { name: 'document', filename: 'egrn.pdf', content: PDF }]);
  t.equal((await agent.send('POST', `/dwelling/${id}/document`, forged.body, forged.contentType)).statusCode, 403, 'the token is checked before any file is kept');
  const exe = await attach([{ name: 'document', filename: 'egrn.pdf', content: EXE, type: 'application/pdf' }]);
  t.equal(exe.statusCode, 422);
  t.match(exe.body, 'не является изображением JPEG, PNG или документом PDF');
  t.match((await attach([])).body, 'Выберите файл документа');

  const done = await attach([{ name: 'document', filename: 'Выписка ЕГРН.pdf', content: PDF, type: 'application/pdf' }]);
  t.equal(done.statusCode, 303);
  const request = await db.selectFrom('dwelling_changes').select('id').where('payer_account_id', '=', id).where('status', '=', 'pending').executeTakeFirstOrThrow();
  const stored = await db.selectFrom('dwelling_documents').selectAll().where('dwelling_change_id', '=', request.id).executeTakeFirstOrThrow();
  t.same([stored.mime_type, stored.original_name, stored.size_bytes], ['application/pdf', 'Выписка ЕГРН.pdf', PDF.length]);
  t.same(await uploadedBytes(db, stored.file_id), PDF, 'the bytes are in the database');
  t.equal((await db.selectFrom('uploaded_files').select('id').execute()).length, 2, 'the demo scan and this document: nothing stored for the refused uploads');
  t.same(await filesIn(path.join(config.dataDir, 'uploads')), [], 'no temporary leftovers on disk');
  t.match((await attach([{ name: 'document', filename: 'second.pdf', content: PDF }])).body, 'К заявке уже приложен документ');

  const own = await agent.get(`/dwelling/${id}/requests/${request.id}/document`);
  t.equal(own.statusCode, 200);
  t.equal(own.headers['content-type'], 'application/pdf');
  t.same(own.rawPayload, PDF);

  // Another resident, even with an account of their own, cannot open it.
  const stranger = await createResident(db, { identityStatus: 'confirmed' });
  const other = await accountId(db, '7700000011');
  await db.deleteFrom('account_links').where('payer_account_id', '=', other).execute();
  await linkApproved(db, stranger.id, '7700000011');
  const strangerAgent = await residentAgent(app, db, config, stranger.id);
  t.equal((await strangerAgent.get(`/dwelling/${id}/requests/${request.id}/document`)).statusCode, 404);
  t.equal((await strangerAgent.get(`/dwelling/${other}/requests/${request.id}/document`)).statusCode, 404, 'not through another account either');

  const moderatorId = await createStaff(db, ['moderator']);
  const moderator = await staffAgent(app, db, config, moderatorId);
  const show = await moderator.get(`/admin/dwelling-requests/${request.id}`);
  t.match(show.body, `href="/admin/dwelling-requests/${request.id}/document">Выписка ЕГРН.pdf</a>`);
  const viewed = await moderator.get(`/admin/dwelling-requests/${request.id}/document`);
  t.equal(viewed.statusCode, 200);
  t.same(viewed.rawPayload, PDF);
  const audit = await db.selectFrom('audit_log').selectAll().where('action', '=', 'dwelling-request.document.viewed').executeTakeFirstOrThrow();
  t.same([audit.staff_id, audit.subject_id], [moderatorId, String(request.id)]);
  const dispatcher = await staffAgent(app, db, config, await createStaff(db, ['dispatcher']));
  t.equal((await dispatcher.get(`/admin/dwelling-requests/${request.id}/document`)).statusCode, 403);
});
