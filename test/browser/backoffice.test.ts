import t from 'tap';
import { checkPage } from '../fixtures/accessibility.js';
import type { Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/db/seed/index.js';
import { hashPassword } from '../../src/security/passwords.js';
import { JS_MODES, chromiumMissing, newContext, startServerAndBrowser } from '../fixtures/browser.js';

// Each state also goes through axe (checkPage): more than the default two minutes on a loaded machine.
t.setTimeout(300_000);

// An admin signs in with the code from /dev/mailbox and invites a moderator; the
// moderator sets a password from the emailed link and signs in — JavaScript off and on.

/** The newest message in the dev mailbox to `to` whose subject starts with `subject`, once it has been sent. */
async function mailboxItem(page: Page, base: string, to: string, subject: string) {
  for (let i = 0; i < 100; i++) {
    await page.goto(`${base}/dev/mailbox`);
    const item = page.locator('.mailbox__item').filter({ hasText: to }).filter({ hasText: subject }).first();
    if ((await item.count()) > 0) return item;
    await page.waitForTimeout(100);
  }
  throw new Error(`no message "${subject}" to ${to}`);
}

async function signIn(page: Page, base: string, email: string, password: string) {
  await page.goto(`${base}/admin/login`);
  await page.getByLabel('Электронная почта').fill(email);
  await page.getByLabel('Пароль').fill(password);
  await page.getByRole('button', { name: 'Войти' }).click();
  await page.getByLabel('Код подтверждения').waitFor();
  const mailbox = await page.context().newPage();
  const message = await mailboxItem(mailbox, base, email, 'Код для входа');
  const code = /\b(\d{6})\b/.exec(await message.locator('.mailbox__text').innerText())![1]!;
  await mailbox.close();
  await page.getByLabel('Код подтверждения').fill(code);
  await page.getByRole('button', { name: 'Подтвердить' }).click();
  await page.waitForURL(`${base}/admin`);
}

t.test('an admin invites a moderator who then signs in', { skip: chromiumMissing }, async (t) => {
  const { server, browser } = await startServerAndBrowser(t.teardown);
  const { db } = server;
  const passwordHash = await hashPassword(DEMO_PASSWORD);

  for (const mode of JS_MODES) {
    t.test(mode.name, async (t) => {
      const suffix = mode.javaScriptEnabled ? 'js' : 'nojs';
      // An admin per run: a new sign-in code can be requested once a minute only.
      const adminEmail = `admin-${suffix}@demo.local`;
      await db.insertInto('staff').values({ email: adminEmail, full_name: `Админ ${suffix}`, roles: ['admin'], password_hash: passwordHash }).execute();
      const moderatorEmail = `new-moderator-${suffix}@demo.local`;

      const adminContext = await newContext(browser, mode.javaScriptEnabled);
      t.teardown(() => adminContext.close());
      const admin = await adminContext.newPage();
      await signIn(admin, server.url, adminEmail, DEMO_PASSWORD);
      t.ok(await admin.getByText(`Админ ${suffix} (${adminEmail}) — администратор`).isVisible(), 'says who is signed in, with which roles');

      await admin.getByRole('link', { name: 'Сотрудники', exact: true }).click();
      await admin.getByRole('link', { name: 'Пригласить сотрудника' }).click();
      await admin.getByLabel('ФИО').fill('Мария Новая');
      await admin.getByLabel('Электронная почта').fill(moderatorEmail);
      await admin.getByLabel('модератор', { exact: true }).check();
      await admin.getByRole('button', { name: 'Пригласить' }).click();
      await admin.getByText(`Приглашение отправлено на ${moderatorEmail}`).waitFor();
      await checkPage(t, admin, 'a staff member just invited');

      const moderatorContext = await newContext(browser, mode.javaScriptEnabled);
      t.teardown(() => moderatorContext.close());
      const moderator = await moderatorContext.newPage();
      const invitation = await mailboxItem(moderator, server.url, moderatorEmail, 'Приглашение в служебный кабинет');
      await invitation.getByRole('link', { name: /\/admin\/invitation\?token=/ }).click();
      await checkPage(t, moderator, 'the invitation: a password to set');
      await moderator.getByLabel('Новый пароль').fill('moderator password 2026');
      await moderator.getByLabel('Повторите пароль').fill('moderator password 2026');
      await moderator.getByRole('button', { name: 'Сохранить пароль' }).click();
      await moderator.getByText('Пароль сохранён').waitFor();

      await signIn(moderator, server.url, moderatorEmail, 'moderator password 2026');
      t.ok(await moderator.getByText(`Мария Новая (${moderatorEmail}) — модератор`).isVisible());
      await moderator.goto(`${server.url}/admin/staff`);
      t.ok(await moderator.getByRole('heading', { name: 'Доступ запрещён' }).isVisible(), 'a moderator does not manage staff');
      await checkPage(t, moderator, 'access denied');

      const ids = await db.selectFrom('staff').select('id').where('email', 'in', [adminEmail, moderatorEmail]).execute();
      const logged = await db
        .selectFrom('audit_log')
        .select('action')
        .where('subject_id', 'in', ids.map((row) => String(row.id)))
        .orderBy('id')
        .execute();
      t.same(logged.map((row) => row.action), ['staff.sign-in', 'staff.invited', 'staff.invitation-accepted', 'staff.sign-in']);
    });
  }
});
