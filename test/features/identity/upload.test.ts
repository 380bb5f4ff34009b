import { createHash } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import t from 'tap';
import { uploadDir } from '../../../src/features/identity/service.js';
import { sampleScanPng } from '../../../src/features/identity/sample-scan.js';
import { eventually, testApp } from '../../fixtures/app.js';
import { createResident } from '../../fixtures/accounts.js';
import { EXE, JPEG, PDF, filesIn, multipartBody, uploadParts, uploadedBytes, type Part, upload } from '../../fixtures/identity.js';
import { signedIn } from '../../fixtures/sessions.js';

const PNG = sampleScanPng();

t.test('a resident uploads a scan: files kept in the database with their SHA-256, status «На проверке»', async (t) => {
  const { app, db, config, clock } = await testApp(t.teardown, { redis: false });
  const resident = await createResident(db, { email: 'ivan@example.test', identityStatus: 'none' });
  const visitor = await signedIn(app, db, config, { residentId: resident.id });

  const page = await visitor.get('/identity');
  t.equal(page.statusCode, 200);
  t.match(page.body, '<h1>Подтверждение личности</h1>');
  t.match(page.body, 'Не подтверждена');
  t.match(page.body, /<label class="field__label" for="kind">Вид документа<\/label>/);
  for (const kind of ['Паспорт РФ', 'Водительское удостоверение', 'Другой документ']) t.match(page.body, `>${kind}</option>`);
  t.match(page.body, /<label class="field__label" for="documents">Файл документа<\/label>/);
  t.match(page.body, /name="documents" type="file" multiple/);
  t.match(page.body, /<label for="consent">Я согласен на обработку персональных данных<\/label>/);
  t.match(page.body, /<button class="button" type="submit">Загрузить документы<\/button>/);
  t.match(page.body, /action="\/identity" enctype="multipart\/form-data" novalidate>\s*<input type="hidden" name="_csrf" value="[^"]+">/, 'the token goes in the body, never in the address');

  const before = clock.now().getTime();
  const response = await upload(visitor, 
    uploadParts([
      { filename: 'паспорт.png', content: PNG, type: 'image/png' },
      // The browser's type and the name say nothing: the bytes decide.
      { filename: 'scan.bin', content: PDF, type: 'application/octet-stream' },
    ]),
  );
  t.equal(response.statusCode, 303, response.body);
  t.equal(response.headers.location, '/identity');

  const submission = await db.selectFrom('identity_submissions').selectAll().where('resident_id', '=', resident.id).executeTakeFirstOrThrow();
  t.equal(submission.status, 'pending');
  t.equal(submission.document_kind, 'passport');
  t.match(submission.consent_text, /^Я согласен на обработку персональных данных/);
  t.ok(Math.abs(submission.consented_at.getTime() - clock.now().getTime()) < 60_000, 'the time of consent is recorded');
  t.ok(submission.consented_at.getTime() >= before - 1000);

  const documents = await db.selectFrom('identity_documents').selectAll().where('submission_id', '=', submission.id).orderBy('id').execute();
  t.same(documents.map((d) => [d.original_name, d.mime_type, d.size_bytes]), [
    ['паспорт.png', 'image/png', PNG.length],
    ['scan.bin', 'application/pdf', PDF.length],
  ]);
  const dir = uploadDir(config);
  for (const [document, content] of [[documents[0]!, PNG], [documents[1]!, PDF]] as const) {
    t.equal(document.sha256, createHash('sha256').update(content).digest('hex'));
    t.same(await uploadedBytes(db, document.file_id), content, 'the bytes are in the database');
  }
  t.not(documents[0]!.file_id, documents[1]!.file_id);
  t.same(await filesIn(dir), [], 'no temporary files left, nothing kept on disk');
  t.notOk(dir.startsWith(path.resolve('public')), 'received outside public/');

  const resident2 = await db.selectFrom('residents').select('identity_status').where('id', '=', resident.id).executeTakeFirstOrThrow();
  t.equal(resident2.identity_status, 'pending');
  const after = await visitor.get('/identity');
  t.match(after.body, 'На проверке');
  t.match(after.body, 'паспорт.png');
  t.match(after.body, `href="/identity/documents/${documents[0]!.id}"`);
  t.notMatch(after.body, 'Загрузить документы</button>', 'no second upload while one is waiting');

  const home = await visitor.get('/');
  t.match(home.body, /Личность: <span class="tag tag--warning">На проверке<\/span>/);
  t.match(home.body, 'href="/identity"');

  // A second submission while the first waits is refused and leaves nothing.
  const again = await upload(visitor, uploadParts([{ filename: 'b.jpg', content: JPEG }]));
  t.equal(again.statusCode, 303);
  t.equal((await db.selectFrom('uploaded_files').select('id').execute()).length, 2, 'no bytes stored for it');
  t.same(await filesIn(dir), []);
  t.equal((await db.selectFrom('identity_submissions').select('id').execute()).length, 1);
});

t.test('bad input gets a Russian message next to the field and leaves nothing behind', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { redis: false });
  const resident = await createResident(db, { email: 'bad@example.test', identityStatus: 'none' });
  const visitor = await signedIn(app, db, config, { residentId: resident.id });
  await visitor.get('/identity');
  const dir = uploadDir(config);
  const good = { filename: 'ok.png', content: PNG, type: 'image/png' };

  const cut = multipartBody([{ name: '_csrf', value: visitor.csrfToken }, ...uploadParts([good, { filename: 'second.jpg', content: JPEG }])]);
  const cases: { name: string; body: Part[] | { body: Buffer; contentType: string }; status: number; field: string; message: RegExp }[] = [
    {
      name: 'an executable renamed .jpg',
      body: uploadParts([good, { filename: 'photo.jpg', content: EXE, type: 'image/jpeg' }]),
      status: 422,
      field: 'documents',
      message: /Файл «photo\.jpg» не является изображением JPEG, PNG или документом PDF/,
    },
    {
      name: 'a file over 10 MB',
      body: uploadParts([good, { filename: 'huge.jpg', content: Buffer.concat([JPEG, Buffer.alloc(10 * 1024 * 1024)]) }]),
      status: 413,
      field: 'documents',
      message: /Файл «huge\.jpg» больше 10 МБ/,
    },
    {
      name: 'six files',
      body: uploadParts(Array.from({ length: 6 }, (_, i) => ({ filename: `page-${i}.png`, content: PNG }))),
      status: 422,
      field: 'documents',
      message: /Можно загрузить не больше 5 файлов/,
    },
    { name: 'an empty file', body: uploadParts([good, { filename: 'empty.pdf', content: Buffer.alloc(0) }]), status: 422, field: 'documents', message: /Файл «empty\.pdf» пустой/ },
    {
      name: 'a cut-off multipart body',
      body: { body: cut.body.subarray(0, cut.body.length - 600), contentType: cut.contentType },
      status: 422,
      field: 'documents',
      message: /загрузились не полностью/,
    },
    {
      name: 'a file name with ../',
      body: uploadParts([{ filename: '../../public/evil.png', content: PNG }]),
      status: 422,
      field: 'documents',
      message: /содержит путь к папке/,
    },
    { name: 'no last name', body: uploadParts([good], { kind: 'passport', consent: 'yes', lastName: ' ' }), status: 422, field: 'lastName', message: /Введите фамилию/ },
    { name: 'digits in the first name', body: uploadParts([good], { kind: 'passport', consent: 'yes', firstName: 'М4рия' }), status: 422, field: 'firstName', message: /Имя — буквы/ },
    { name: 'a control character in the patronymic', body: uploadParts([good], { kind: 'passport', consent: 'yes', middleName: 'Петр\u0000овна' }), status: 422, field: 'middleName', message: /Отчество — буквы/ },
    { name: 'a date of birth that does not exist', body: uploadParts([good], { kind: 'passport', consent: 'yes', birthDate: '1985-02-30' }), status: 422, field: 'birthDate', message: /Введите дату рождения, например/ },
    { name: 'a child', body: uploadParts([good], { kind: 'passport', consent: 'yes', birthDate: '2020-01-01' }), status: 422, field: 'birthDate', message: /с 14 лет/ },
    { name: 'no consent', body: uploadParts([good], { kind: 'passport' }), status: 422, field: 'consent', message: /Отметьте согласие на обработку персональных данных/ },
    { name: 'no document kind', body: uploadParts([good], { consent: 'yes' }), status: 422, field: 'kind', message: /Выберите вид документа/ },
    { name: 'an unknown document kind', body: uploadParts([good], { kind: 'ticket', consent: 'yes' }), status: 422, field: 'kind', message: /Выберите вид документа/ },
    {
      name: 'no file chosen (the browser sends an empty part)',
      body: uploadParts([{ filename: '', content: Buffer.alloc(0) }]),
      status: 422,
      field: 'documents',
      message: /Выберите файл документа/,
    },
  ];

  for (const bad of cases) {
    const before = await filesIn(dir);
    const response = await upload(visitor, bad.body);
    t.equal(response.statusCode, bad.status, `${bad.name}: status`);
    t.match(response.body, new RegExp(`<p class="field__error" id="${bad.field}-error"><span class="visually-hidden">Ошибка:</span> [^<]*${bad.message.source}`), `${bad.name}: message next to the field`);
    t.match(response.body, /<div class="error-summary"/, `${bad.name}: error summary`);
    t.match(response.body, 'Загрузить документы</button>', `${bad.name}: the form again`);
    t.same(await filesIn(dir), before, `${bad.name}: the upload folder is unchanged`);
    t.equal((await db.selectFrom('identity_submissions').select('id').execute()).length, 0, `${bad.name}: no row`);
    t.equal((await db.selectFrom('identity_documents').select('id').execute()).length, 0, `${bad.name}: no document row`);
    t.equal((await db.selectFrom('uploaded_files').select('id').execute()).length, 0, `${bad.name}: no bytes stored`);
  }
  const kept = await upload(visitor, uploadParts([good], { kind: 'driving_licence' }));
  t.match(kept.body, /<option value="driving_licence" selected>/, 'the chosen kind is kept');
  t.match(kept.body, 'value="Иванова"', 'the typed name is kept');
  t.match(kept.body, 'value="1985-04-12"');
  const status = await db.selectFrom('residents').select('identity_status').where('id', '=', resident.id).executeTakeFirstOrThrow();
  t.equal(status.identity_status, 'none');
});

t.test('the CSRF token is required for an upload', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { redis: false });
  const resident = await createResident(db, { email: 'csrf@example.test', identityStatus: 'none' });
  const visitor = await signedIn(app, db, config, { residentId: resident.id });
  await visitor.get('/identity');
  visitor.csrfToken = 'forged';
  const response = await upload(visitor, uploadParts([{ filename: 'a.png', content: PNG }]));
  t.equal(response.statusCode, 403);
  t.same(await filesIn(uploadDir(config)), []);
});

t.test('over a real socket a file over 10 MB gets 413 and its truncated copy is removed', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { redis: false });
  const resident = await createResident(db, { email: 'socket@example.test', identityStatus: 'none' });
  const visitor = await signedIn(app, db, config, { residentId: resident.id });
  await visitor.get('/identity');
  const dir = uploadDir(config);
  const address = await app.listen({ port: 0, host: '127.0.0.1' });

  const boundary = '----zhkuSocketBoundary';
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${visitor.csrfToken}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\npassport\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="consent"\r\n\r\nyes\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="documents"; filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const megabyte = Buffer.alloc(1024 * 1024, 0x41);
  // Streamed in chunks, 12 MB in all: the server sees it arrive over time.
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(head);
      controller.enqueue(JPEG);
    },
    pull(controller) {
      if (sent < 12) {
        sent += 1;
        controller.enqueue(megabyte);
      } else {
        controller.enqueue(tail);
        controller.close();
      }
    },
  });
  const response = await fetch(`${address}/identity`, {
    method: 'POST',
    body,
    duplex: 'half',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, cookie: visitor.cookieHeader() },
    redirect: 'manual',
  } as RequestInit);
  t.equal(response.status, 413);
  t.match(await response.text(), /Файл «big\.jpg» больше 10 МБ/);
  t.same(await filesIn(dir), [], 'the truncated file is removed');
  t.equal((await db.selectFrom('identity_documents').select('id').execute()).length, 0);
});

t.test('over a real socket an upload cut off by the client leaves nothing behind', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { redis: false });
  const resident = await createResident(db, { email: 'abort@example.test', identityStatus: 'none' });
  const visitor = await signedIn(app, db, config, { residentId: resident.id });
  await visitor.get('/identity');
  const dir = uploadDir(config);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };

  const boundary = '----zhkuAbortBoundary';
  const request = http.request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/identity',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, cookie: visitor.cookieHeader(), 'content-length': 5 * 1024 * 1024 },
  });
  request.on('error', () => {}); // the socket is destroyed on purpose
  request.write(
    `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${visitor.csrfToken}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\npassport\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="documents"; filename="half.png"\r\nContent-Type: image/png\r\n\r\n`,
  );
  request.write(PNG);
  request.write(Buffer.alloc(512 * 1024));
  // Wait until the server has started writing the file, then hang up.
  await eventually(async () => (await filesIn(dir)).length > 0);
  request.destroy();
  await eventually(async () => (await filesIn(dir)).length === 0);
  t.pass('the partial file is removed');
  t.equal((await db.selectFrom('identity_submissions').select('id').execute()).length, 0);
});
