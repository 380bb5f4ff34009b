import t from 'tap';
import { sampleScanPng } from '../../src/features/identity/sample-scan.js';
import { checkPage } from '../fixtures/accessibility.js';
import { chromiumMissing, launchBrowser, newContext, startServer } from '../fixtures/browser.js';
import { sessionCookie } from '../fixtures/sessions.js';

// A resident asks to register a new gas meter with the verification certificate,
// with JavaScript off; a moderator opens the certificate and approves the request
// with JavaScript on; the resident sees «Одобрено» and the meter in «Показания».

t.setTimeout(300_000);

t.test('a meter registration request filed without JavaScript, approved by a moderator with it', { skip: chromiumMissing }, async (t) => {
  const server = await startServer(t.teardown, { APP_TODAY: '2026-11-20' });
  const { db, config } = server;
  const browser = await launchBrowser(t.teardown);
  const resident = await db.selectFrom('residents').select('id').where('email', '=', 'resident@demo.local').executeTakeFirstOrThrow();
  const moderator = await db.selectFrom('staff').select('id').where('email', '=', 'moderator@demo.local').executeTakeFirstOrThrow();

  const residentContext = await newContext(browser, false);
  t.teardown(() => residentContext.close());
  await residentContext.addCookies([{ ...(await sessionCookie(db, config, { residentId: resident.id })), url: server.url }]);
  const page = await residentContext.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto(`${server.url}/readings`);
  await page.locator('#account-' + (await accountIdOf('7700000010'))).getByRole('link', { name: 'Заявка на регистрацию счётчика' }).click();
  await page.getByRole('heading', { name: 'Заявка на регистрацию счётчика' }).waitFor();
  await page.getByLabel('Новый счётчик').check();
  await page.getByLabel('Ресурс').selectOption({ label: 'Газ' });
  await page.getByLabel('Заводской номер').fill('GZ-555');
  await page.getByLabel('Начальные показания T1').fill('0,75');
  await page.getByLabel('Дата ввода в эксплуатацию или поверки').fill('2026-11-10');
  await page.getByLabel('Дата следующей поверки').fill('2019-01-01');
  await page.getByLabel('Свидетельство о поверке').setInputFiles({ name: 'свидетельство.png', mimeType: 'image/png', buffer: sampleScanPng() });
  await page.getByRole('button', { name: 'Отправить заявку' }).click();
  // Answered next to the field, what was typed kept.
  await page.getByText('Дата следующей поверки должна быть позже сегодняшней').first().waitFor();
  t.equal(await page.getByLabel('Заводской номер').inputValue(), 'GZ-555');
  await checkPage(t, page, 'meter request with errors');
  await page.getByLabel('Дата следующей поверки').fill('2034-11-10');
  await page.getByLabel('Свидетельство о поверке').setInputFiles({ name: 'свидетельство.png', mimeType: 'image/png', buffer: sampleScanPng() });
  await page.getByRole('button', { name: 'Отправить заявку' }).click();
  await page.getByText('Заявка отправлена.').waitFor();
  t.ok(await page.locator('.tag', { hasText: 'На проверке' }).isVisible(), 'the status');
  await checkPage(t, page, 'meter request sent');

  const staffContext = await newContext(browser, true);
  t.teardown(() => staffContext.close());
  await staffContext.addCookies([{ ...(await sessionCookie(db, config, { staffId: moderator.id })), url: server.url }]);
  const admin = await staffContext.newPage();
  admin.setDefaultTimeout(20_000);
  await admin.goto(`${server.url}/admin`);
  await admin.getByRole('navigation', { name: 'Разделы' }).getByRole('link', { name: 'Регистрация счётчиков' }).click();
  await admin.getByRole('heading', { name: 'Регистрация счётчиков' }).waitFor();
  await checkPage(t, admin, 'meter request queue');
  const request = await db.selectFrom('meter_requests').select('id').executeTakeFirstOrThrow();
  await admin.getByRole('link', { name: `№ ${request.id}`, exact: true }).click();
  const certificate = admin.getByRole('img', { name: 'Свидетельство о поверке: свидетельство.png' });
  await certificate.waitFor();
  // The element is there before its picture has arrived: wait for it to load or fail.
  const shown = await certificate.evaluate((img: HTMLImageElement) =>
    img.complete
      ? img.naturalWidth > 0
      : new Promise<boolean>((resolve) => {
          img.addEventListener('load', () => resolve(img.naturalWidth > 0));
          img.addEventListener('error', () => resolve(false));
        }),
  );
  t.ok(shown, 'the certificate is shown');
  await checkPage(t, admin, 'meter request');
  await admin.getByRole('button', { name: 'Одобрить' }).click();
  await admin.getByText('Заявка одобрена; житель получит письмо.').waitFor();
  t.ok(await db.selectFrom('audit_log').select('id').where('action', '=', 'meter-request.certificate.viewed').executeTakeFirst(), 'the view is audited');

  await page.reload();
  t.ok(await page.locator('.tag', { hasText: 'Одобрено' }).isVisible(), 'the resident sees the decision');
  await page.goto(`${server.url}/readings`);
  await page.getByText('Газ, № GZ-555').first().waitFor();

  async function accountIdOf(payerCode: string) {
    return (await db.selectFrom('payer_accounts').select('id').where('payer_code', '=', payerCode).executeTakeFirstOrThrow()).id;
  }
});
