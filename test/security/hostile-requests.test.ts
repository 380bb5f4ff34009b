import t from 'tap';
import { connect } from 'node:net';
import { startServer } from '../fixtures/browser.js';
import { sessionCookie } from '../fixtures/sessions.js';

/**
 * A raw HTTP/1.1 request written to the socket byte for byte, so that nothing on
 * our side (fetch, Node's client) cleans a hostile path up before the server sees it.
 */
function raw(base: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string> }> {
  const url = new URL(base);
  const head = [`GET ${path} HTTP/1.1`, `Host: ${url.host}`, 'Connection: close', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''];
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.write(Buffer.from(head.join('\r\n'), 'utf8')));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const [statusLine = '', ...lines] = text.split('\r\n\r\n')[0]!.split('\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1] ?? 0);
      const parsed = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      resolve({ status, headers: parsed });
    });
  });
}

t.test('no hostile request stops the server: /healthz answers after each one', async (t) => {
  const server = await startServer(t.teardown);
  const resident = await server.db.selectFrom('residents').select('id').where('email', '=', 'resident@demo.local').executeTakeFirstOrThrow();
  const staff = await server.db.selectFrom('staff').select('id').where('email', '=', 'admin@demo.local').executeTakeFirstOrThrow();
  const residentCookie = await sessionCookie(server.db, server.config, { residentId: resident.id });
  const staffCookie = await sessionCookie(server.db, server.config, { staffId: staff.id });
  const asResident = { cookie: `${residentCookie.name}=${residentCookie.value}` };
  const asStaff = { cookie: `${staffCookie.name}=${staffCookie.value}` };

  const hostile: [string, Record<string, string>][] = [
    [`/login?next=${encodeURIComponent('/тест')}`, asResident],
    ['/login?next=/%D1%82%D0%B5%D1%81%D1%82', asResident],
    [`/login?next=${encodeURIComponent('/\u0000x')}`, asResident],
    [`/login?next=${encodeURIComponent('/a\r\nSet-Cookie: x=1')}`, asResident],
    ['/login?next=/%ED%A0%80', asResident],
    [`/admin/login?next=${encodeURIComponent('/admin/тест')}`, asStaff],
    [`/admin/login?next=${encodeURIComponent('/admin/\u0000')}`, asStaff],
    [`/register?next=${encodeURIComponent('/тест')}`, {}],
    ['/профиль', asResident],
    ['/login?next=/профиль', asResident],
    ['/identity/%00', asResident],
    ['/identity/documents/99999999999999999999', asResident],
    [`/admin/audit?from=0000-01-01`, asStaff],
    [`/admin/audit.csv?from=0001-01-01`, asStaff],
    [`/admin/audit.csv?q=${encodeURIComponent('\u0000')}`, asStaff],
  ];
  for (const [path, headers] of hostile) {
    const response = await raw(server.url, path, headers);
    t.ok(response.status > 0 && response.status < 500, `${JSON.stringify(path)}: ${response.status}`);
    const health = await fetch(`${server.url}/healthz`);
    t.equal(health.status, 200, `the server still answers after ${path}`);
  }
  const signedIn = await raw(server.url, `/login?next=${encodeURIComponent('/тест?a=б#в')}`, asResident);
  t.equal(signedIn.status, 303);
  t.equal(signedIn.headers.location, '/%D1%82%D0%B5%D1%81%D1%82?a=%D0%B1#%D0%B2', 'the target is percent-encoded');
});
