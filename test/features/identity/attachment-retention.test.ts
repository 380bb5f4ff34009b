import t from 'tap';
import type { Db } from '../../../src/db/index.js';
import { deleteExpiredAttachments } from '../../../src/features/identity/attachment-retention.js';
import { accountId, createResident, linkApproved, residentAgent } from '../../fixtures/accounts.js';
import { testApp } from '../../fixtures/app.js';

const NOW = new Date('2026-11-20T09:00:00Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 24 * 3600_000);

async function storedFile(db: Db): Promise<number> {
  return (await db.insertInto('uploaded_files').values({ bytes: Buffer.from('%PDF-1.4 test') }).returning('id').executeTakeFirstOrThrow()).id;
}

const FILE = { original_name: 'document.pdf', mime_type: 'application/pdf' as const, size_bytes: 13, sha256: 'a'.repeat(64) };

/** A meter request decided (or not) `decidedDaysAgo` ago, with a certificate. */
async function meterRequest(db: Db, account: number, residentId: number, decidedDaysAgo: number | null, status: 'pending' | 'approved' | 'withdrawn') {
  const row = await db
    .insertInto('meter_requests')
    .values({
      payer_account_id: account, kind: 'new', resource: 'gas', zones: 1, serial_number: `GZ-${Math.random()}`, dated_on: '2026-01-10', next_verification_date: '2036-01-10',
      initial_t1: 1, file_id: await storedFile(db), ...FILE, submitted_by: residentId, submitted_at: daysAgo(200), status, decided_at: decidedDaysAgo === null ? null : daysAgo(decidedDaysAgo),
    })
    .returning(['id', 'file_id'])
    .executeTakeFirstOrThrow();
  return row;
}

t.test('attachments go once their request has been settled for the retention period; the requests stay', async (t) => {
  const { app, db } = await testApp(t.teardown, { seed: true, redis: false, env: { APP_TODAY: '2026-11-20' } });
  const resident = await createResident(db);
  const account = await accountId(db, '7700000010');

  // Meter certificates: decided long ago (approved, withdrawn), recently, and still waiting. The
  // unique-per-resource rule for waiting requests is about pending ones only.
  const oldApproved = await meterRequest(db, account, resident.id, 100, 'approved');
  const oldWithdrawn = await meterRequest(db, account, resident.id, 91, 'withdrawn');
  const recent = await meterRequest(db, account, resident.id, 10, 'approved');
  const waiting = await meterRequest(db, account, resident.id, null, 'pending');

  // A dwelling document of a change decided long ago, and one of a change still waiting.
  const dwelling = async (decidedDaysAgo: number | null) => {
    const change = await db
      .insertInto('dwelling_changes')
      .values({ payer_account_id: account, area: 50, residents_count: 2, effective_from: '2026-01-01', submitted_by: resident.id, submitted_at: daysAgo(200), status: decidedDaysAgo === null ? 'pending' : 'approved', decided_at: decidedDaysAgo === null ? null : daysAgo(decidedDaysAgo) })
      .returning('id')
      .executeTakeFirstOrThrow();
    return db.insertInto('dwelling_documents').values({ dwelling_change_id: change.id, file_id: await storedFile(db), ...FILE, created_at: daysAgo(200) }).returning(['id', 'file_id']).executeTakeFirstOrThrow();
  };
  const oldDocument = await dwelling(120);
  const waitingDocument = await dwelling(null);

  // Photos of a service request closed long ago, and of an open one.
  const building = await db.selectFrom('payer_accounts as pa').innerJoin('premises as p', 'p.id', 'pa.premises_id').select('p.building_id').where('pa.id', '=', account).executeTakeFirstOrThrow();
  const kind = await db.selectFrom('service_request_kinds').select('kind').executeTakeFirstOrThrow();
  const photoOf = async (closedDaysAgo: number | null) => {
    const request = await db
      .insertInto('service_requests')
      .values({
        payer_account_id: account, building_id: building.building_id, resident_id: resident.id, kind: kind.kind, place: 'flat', description: 'Течёт кран', contact_phone: '+79990000000',
        registered_at: daysAgo(200), deadline_at: daysAgo(199), status: closedDaysAgo === null ? 'registered' : 'done', closed_at: closedDaysAgo === null ? null : daysAgo(closedDaysAgo),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const event = await db.insertInto('service_request_events').values({ request_id: request.id, kind: 'photo', resident_id: resident.id, created_at: daysAgo(200) }).returning('id').executeTakeFirstOrThrow();
    return db
      .insertInto('service_request_photos')
      .values({ request_id: request.id, event_id: event.id, file_id: await storedFile(db), original_name: 'leak.jpg', mime_type: 'image/jpeg', size_bytes: 13, sha256: 'b'.repeat(64), created_at: daysAgo(200) })
      .returning(['id', 'file_id'])
      .executeTakeFirstOrThrow();
  };
  const oldPhoto = await photoOf(95);
  const openPhoto = await photoOf(null);

  const deleted = await deleteExpiredAttachments(db, { now: NOW, retentionDays: 90 });
  t.same(deleted, { 'dwelling-document': 1, 'meter-certificate': 2, 'request-photo': 1 });

  const fileOf = async (table: 'meter_requests' | 'dwelling_documents' | 'service_request_photos', id: number) =>
    (await db.selectFrom(table).select('file_id').where('id', '=', id).executeTakeFirstOrThrow()).file_id;
  t.equal(await fileOf('meter_requests', oldApproved.id), null, 'an old certificate is gone');
  t.equal(await fileOf('meter_requests', oldWithdrawn.id), null, 'so is a withdrawn one');
  t.equal(await fileOf('meter_requests', recent.id), recent.file_id, 'a recent decision keeps its certificate');
  t.equal(await fileOf('meter_requests', waiting.id), waiting.file_id, 'a waiting request keeps it');
  t.equal(await fileOf('dwelling_documents', oldDocument.id), null);
  t.equal(await fileOf('dwelling_documents', waitingDocument.id), waitingDocument.file_id);
  t.equal(await fileOf('service_request_photos', oldPhoto.id), null);
  t.equal(await fileOf('service_request_photos', openPhoto.id), openPhoto.file_id);
  const gone = [oldApproved.file_id!, oldWithdrawn.file_id!, oldDocument.file_id!, oldPhoto.file_id!];
  t.same(await db.selectFrom('uploaded_files').select('id').where('id', 'in', gone).execute(), [], 'the bytes are deleted');
  t.equal((await db.selectFrom('meter_requests').select('id').where('id', '=', oldApproved.id).execute()).length, 1, 'the request itself stays');
  const audit = await db.selectFrom('audit_log').select(['subject_type', 'details']).where('action', '=', 'attachments.deleted').orderBy('id').execute();
  t.same(audit.map((a) => [a.subject_type, (a.details as { count: number }).count]), [['dwelling-document', 1], ['meter-certificate', 2], ['request-photo', 1]]);

  t.same(await deleteExpiredAttachments(db, { now: NOW, retentionDays: 90 }), { 'dwelling-document': 0, 'meter-certificate': 0, 'request-photo': 0 }, 'a second run finds nothing');

  // The resident's link to a deleted certificate says so.
  const owner = await createResident(db);
  const ownAccount = await linkApproved(db, owner.id, '7700000020');
  await db.updateTable('meter_requests').set({ payer_account_id: ownAccount }).where('id', '=', oldApproved.id).execute();
  const agent = await residentAgent(app, db, app.config, owner.id);
  const certificate = await agent.get(`/readings/accounts/${ownAccount}/meter-requests/${oldApproved.id}/certificate`);
  t.equal(certificate.statusCode, 410);
  t.match(certificate.body, 'Файл удалён');
});
