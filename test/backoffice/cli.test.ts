import t from 'tap';
import { spawn } from 'node:child_process';
import { Agent, testApp } from '../fixtures/app.js';
import { nodeArgsFor } from '../fixtures/programs.js';
import { signInStaff } from '../fixtures/staff-auth.js';

type Run = { code: number | null; stdout: string; stderr: string };

function createStaff(databaseUrl: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgsFor('src/cli/create-staff.ts'), ...args], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        DATABASE_URL: databaseUrl,
        PUBLIC_URL: 'http://localhost:3000',
        SESSION_SECRET: 'test-session-secret-that-is-long-enough-0123456789',
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

t.test('staff:create invites the first admin and prints a link that works', async (t) => {
  // A fresh database with no staff at all, as in a new installation.
  const { app, db, databaseUrl } = await testApp(t.teardown, { redis: false });
  const run = await createStaff(databaseUrl, ['--email', 'Chief@Example.ru', '--role', 'admin', '--role', 'moderator', '--name', 'Главный Администратор']);
  t.equal(run.code, 0, run.stderr);
  t.match(run.stdout, /Staff member chief@example\.ru \(admin, moderator\) is invited\./);
  const link = /http:\/\/localhost:3000(\/admin\/invitation\?token=[A-Za-z0-9_-]{43})\n/.exec(run.stdout)?.[1];
  t.ok(link, 'the output has the invitation link');

  const staff = await db.selectFrom('staff').selectAll().executeTakeFirstOrThrow();
  t.match(staff, { email: 'chief@example.ru', full_name: 'Главный Администратор', roles: ['admin', 'moderator'], password_hash: null, active: true });
  const audit = await db.selectFrom('audit_log').selectAll().where('action', '=', 'staff.invited').executeTakeFirstOrThrow();
  t.match(audit, { staff_id: null, subject_id: String(staff.id) });

  // Running it again before the password is set gives a new link; the old one dies.
  const again = await createStaff(databaseUrl, ['--email', 'chief@example.ru', '--role', 'admin']);
  t.equal(again.code, 0, again.stderr);
  const newLink = /http:\/\/localhost:3000(\/admin\/invitation\?token=[A-Za-z0-9_-]{43})\n/.exec(again.stdout)?.[1];
  t.ok(newLink);
  t.not(newLink, link);

  const browser = new Agent(app);
  t.equal((await browser.get(link!)).statusCode, 404, 'the first link was replaced');
  const page = await browser.get(newLink!);
  t.equal(page.statusCode, 200);
  t.match(page.body, /Главный Администратор, задайте пароль/);
  const token = new URL(newLink!, 'http://x').searchParams.get('token')!;
  const saved = await browser.post('/admin/invitation', { token, password: 'a long admin password', password_repeat: 'a long admin password' });
  t.equal(saved.statusCode, 303);

  await signInStaff(browser, db, 'chief@example.ru', 'a long admin password');
  t.equal((await browser.get('/admin/staff')).statusCode, 200, 'the new admin manages staff');

  const done = await createStaff(databaseUrl, ['--email', 'chief@example.ru', '--role', 'admin']);
  t.equal(done.code, 1);
  t.match(done.stderr, /already has a password/);
});

t.test('staff:create refuses bad arguments', async (t) => {
  const { db, databaseUrl } = await testApp(t.teardown, { redis: false });
  const noRole = await createStaff(databaseUrl, ['--email', 'a@example.ru']);
  t.equal(noRole.code, 1);
  t.match(noRole.stderr, /--role must be one or more of: admin, moderator, dispatcher/);
  const badRole = await createStaff(databaseUrl, ['--email', 'a@example.ru', '--role', 'boss']);
  t.equal(badRole.code, 1);
  const badEmail = await createStaff(databaseUrl, ['--email', 'nope', '--role', 'admin']);
  t.equal(badEmail.code, 1);
  t.match(badEmail.stderr, /--email must be an email address/);
  t.equal((await db.selectFrom('staff').select('id').execute()).length, 0, 'nobody was created');
});
