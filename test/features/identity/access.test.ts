import t from 'tap';
import { sampleScanPng } from '../../../src/features/identity/sample-scan.js';
import { Agent, testApp } from '../../fixtures/app.js';
import { createResident } from '../../fixtures/accounts.js';
import { PDF, staffId, uploadParts, upload } from '../../fixtures/identity.js';
import { signedIn } from '../../fixtures/sessions.js';

const PNG = sampleScanPng();

t.test('only the owner and moderators fetch a document; everyone else gets 404 or no access', async (t) => {
  const { app, db, config } = await testApp(t.teardown, { redis: false, seed: true });
  const owner = await createResident(db, { email: 'owner@example.test', identityStatus: 'none' });
  const other = await createResident(db, { email: 'other@example.test', identityStatus: 'none' });
  const ownerVisitor = await signedIn(app, db, config, { residentId: owner.id });
  t.equal((await upload(ownerVisitor, uploadParts([
    { filename: "паспорт (скан)'.png", content: PNG, type: 'image/png' },
    { filename: 'page.pdf', content: PDF, type: 'application/pdf' },
  ]))).statusCode, 303);
  const [png, pdf] = await db
    .selectFrom('identity_documents')
    .innerJoin('identity_submissions', 'identity_submissions.id', 'identity_documents.submission_id')
    .select(['identity_documents.id', 'identity_documents.submission_id'])
    .where('identity_submissions.resident_id', '=', owner.id)
    .orderBy('identity_documents.id')
    .execute();

  await t.test('the owner', async (t) => {
    const response = await ownerVisitor.get(`/identity/documents/${png!.id}`);
    t.equal(response.statusCode, 200);
    t.equal(response.headers['content-type'], 'image/png');
    t.equal(response.headers['cache-control'], 'no-store');
    t.equal(response.headers['x-content-type-options'], 'nosniff');
    t.equal(response.headers['content-disposition'], `inline; filename="document-${png!.id}.png"; filename*=UTF-8''%D0%BF%D0%B0%D1%81%D0%BF%D0%BE%D1%80%D1%82%20%28%D1%81%D0%BA%D0%B0%D0%BD%29%27.png`);
    t.same(response.rawPayload, PNG);
    const pdfResponse = await ownerVisitor.get(`/identity/documents/${pdf!.id}`);
    t.equal(pdfResponse.headers['content-type'], 'application/pdf');
    t.match(pdfResponse.headers['content-security-policy'], "object-src 'self'", 'the browser may show a PDF inline');
    t.match(response.headers['content-security-policy'], "object-src 'none'", 'images keep the strict policy');
    t.same(pdfResponse.rawPayload, PDF);
  });

  await t.test('another resident, and guessed ids', async (t) => {
    const stranger = await signedIn(app, db, config, { residentId: other.id });
    for (const url of [`/identity/documents/${png!.id}`, `/identity/documents/${pdf!.id + 1000}`, '/identity/documents/0', '/identity/documents/abc', '/identity/documents/99999999999']) {
      const response = await stranger.get(url);
      t.equal(response.statusCode, 404, url);
      t.match(response.body, 'Страница не найдена');
      t.notOk(response.rawPayload.includes(PNG.subarray(0, 8)), 'no bytes of the file');
    }
  });

  await t.test('an anonymous visitor is sent to sign in', async (t) => {
    const response = await new Agent(app).get(`/identity/documents/${png!.id}`);
    t.equal(response.statusCode, 303);
    t.match(response.headers.location, /^\/login\?next=/);
  });

  await t.test('a resident session does not open the back office', async (t) => {
    const response = await ownerVisitor.get(`/admin/documents/${png!.submission_id}/files/${png!.id}`);
    t.equal(response.statusCode, 303);
    t.match(response.headers.location, /^\/admin\/login/);
  });

  await t.test('a moderator, through the review route; the pair of ids must match', async (t) => {
    const moderator = await signedIn(app, db, config, { staffId: await staffId(db, 'moderator@demo.local') });
    const response = await moderator.get(`/admin/documents/${png!.submission_id}/files/${png!.id}`);
    t.equal(response.statusCode, 200);
    t.equal(response.headers['content-type'], 'image/png');
    t.equal(response.headers['cache-control'], 'no-store');
    t.equal(response.headers['x-content-type-options'], 'nosniff');
    t.match(response.headers['content-disposition'], /^inline; filename="document-\d+\.png"/);
    t.same(response.rawPayload, PNG);
    const seeded = await db.selectFrom('identity_submissions').select('id').where('id', '!=', png!.submission_id).executeTakeFirstOrThrow();
    t.equal((await moderator.get(`/admin/documents/${seeded.id}/files/${png!.id}`)).statusCode, 404, 'a file of another submission');
    t.equal((await moderator.get(`/admin/documents/${png!.submission_id}/files/${pdf!.id + 1000}`)).statusCode, 404);
  });

  await t.test('a dispatcher is refused', async (t) => {
    const dispatcher = await signedIn(app, db, config, { staffId: await staffId(db, 'dispatcher@demo.local') });
    const response = await dispatcher.get(`/admin/documents/${png!.submission_id}/files/${png!.id}`);
    t.equal(response.statusCode, 403);
    t.notOk(response.rawPayload.includes(PNG.subarray(0, 8)));
    t.equal((await dispatcher.get('/admin/documents')).statusCode, 403);
  });
});
