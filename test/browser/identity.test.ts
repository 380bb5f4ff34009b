import t from 'tap';
import { checkPage } from '../fixtures/accessibility.js';
import { sampleScanPng } from '../../src/features/identity/sample-scan.js';
import { JS_MODES, chromiumMissing, newContext, startServerAndBrowser } from '../fixtures/browser.js';
import { PDF } from '../fixtures/identity.js';
import { sessionCookie } from '../fixtures/sessions.js';

// Each state also goes through axe (checkPage): more than the default two minutes on a loaded machine.
t.setTimeout(300_000);

// A resident uploads a passport scan, a moderator approves it, the resident sees
// «Подтверждена»; another is rejected with a reason and uploads again — with
// JavaScript off and on.

t.test('identity verification in the browser', { skip: chromiumMissing }, async (t) => {
  const { server, browser } = await startServerAndBrowser(t.teardown);
  const { db, config } = server;
  const moderator = await db.selectFrom('staff').select('id').where('email', '=', 'moderator@demo.local').executeTakeFirstOrThrow();
  const scan = { name: 'паспорт.png', mimeType: 'image/png', buffer: sampleScanPng() };

  for (const mode of JS_MODES) {
    const suffix = mode.javaScriptEnabled ? 'js' : 'nojs';

    async function residentPage(email: string, phone: string) {
      const resident = await db.insertInto('residents').values({ email, phone, password_hash: 'not-used' }).returning('id').executeTakeFirstOrThrow();
      const context = await newContext(browser, mode.javaScriptEnabled);
      t.teardown(() => context.close());
      await context.addCookies([{ ...(await sessionCookie(db, config, { residentId: resident.id })), url: server.url }]);
      return context.newPage();
    }

    async function moderatorPage() {
      const context = await newContext(browser, mode.javaScriptEnabled);
      t.teardown(() => context.close());
      await context.addCookies([{ ...(await sessionCookie(db, config, { staffId: moderator.id })), url: server.url }]);
      return context.newPage();
    }

    async function upload(page: Awaited<ReturnType<typeof residentPage>>, file: typeof scan) {
      await page.getByLabel('Фамилия').fill('Петрова');
      await page.getByLabel('Имя', { exact: true }).fill('Анна');
      await page.getByLabel('Отчество').fill('Сергеевна');
      await page.getByLabel('Дата рождения').fill('1990-03-08');
      await page.getByLabel('Вид документа').selectOption({ label: 'Паспорт РФ' });
      await page.getByLabel('Файл документа').setInputFiles(file);
      await page.getByLabel('Я согласен на обработку персональных данных').check();
      await page.getByRole('button', { name: 'Загрузить документы' }).click();
      await page.getByText('Документы отправлены на проверку').waitFor();
    }

    t.test(`${mode.name}: upload, approval, «Подтверждена»`, async (t) => {
      const email = `approve-${suffix}@example.test`;
      const page = await residentPage(email, mode.javaScriptEnabled ? '+79160000012' : '+79160000011');
      await page.goto(`${server.url}/`);
      t.ok(await page.getByText('Не подтверждена').isVisible(), 'the home page shows the status');
      await page.getByRole('link', { name: 'Подтвердить личность' }).click();
      await page.getByRole('heading', { name: 'Подтверждение личности' }).waitFor();

      // Without a file and consent the form answers next to the fields.
      await page.getByRole('button', { name: 'Загрузить документы' }).click();
      await page.getByText('Есть ошибки').waitFor();
      t.ok(await page.getByText('Отметьте согласие на обработку персональных данных').first().isVisible());
      await checkPage(t, page, 'upload with errors');

      await upload(page, scan);
      t.ok(await page.getByText('На проверке').first().isVisible());
      t.ok(await page.getByRole('link', { name: 'паспорт.png' }).isVisible(), 'the page shows what was sent');
      await checkPage(t, page, 'documents sent');

      const admin = await moderatorPage();
      await admin.goto(`${server.url}/admin/documents`);
      await admin.getByRole('row', { name: new RegExp(email.replace('.', '\\.')) }).getByRole('link', { name: /Проверить/ }).click();
      const image = admin.getByRole('img', { name: 'Скан: паспорт.png' });
      await image.waitFor();
      await checkPage(t, admin, 'a moderator reviews documents');
      const fetched = await admin.request.get(`${server.url}${await image.getAttribute('src')}`);
      t.equal(fetched.status(), 200, 'the scan comes from the authenticated route');
      t.equal(fetched.headers()['content-type'], 'image/png');
      t.equal(fetched.headers()['cache-control'], 'no-store');
      if (mode.javaScriptEnabled) {
        await admin.waitForFunction(() => [...document.images].every((img) => img.complete && img.naturalWidth > 0));
        t.pass('the scan is shown inline');
      }
      t.ok(await admin.getByText('Петрова Анна Сергеевна').isVisible(), 'the typed name is beside the scan');
      await admin.getByRole('button', { name: 'Одобрить' }).click();
      await admin.getByText('Отметьте, что данные совпадают с документом').first().waitFor();
      await admin.getByLabel('Фамилия, имя, отчество и дата рождения совпадают с документом').check();
      await admin.getByRole('button', { name: 'Одобрить' }).click();
      await admin.getByText('Документы одобрены').waitFor();

      await page.goto(`${server.url}/identity`);
      t.ok(await page.getByText('Подтверждена', { exact: true }).isVisible());
      await page.goto(`${server.url}/`);
      t.ok(await page.getByText('Подтверждена', { exact: true }).isVisible());
    });

    t.test(`${mode.name}: rejection with a reason, then a second upload`, async (t) => {
      const email = `reject-${suffix}@example.test`;
      const page = await residentPage(email, mode.javaScriptEnabled ? '+79160000014' : '+79160000013');
      await page.goto(`${server.url}/identity`);
      await upload(page, scan);

      const admin = await moderatorPage();
      await admin.goto(`${server.url}/admin/documents`);
      await admin.getByRole('row', { name: new RegExp(email.replace('.', '\\.')) }).getByRole('link', { name: /Проверить/ }).click();
      await admin.getByRole('button', { name: 'Отклонить' }).click();
      await admin.getByText('Укажите причину отказа').first().waitFor();
      await checkPage(t, admin, 'a rejection without a reason');
      await admin.getByRole('group', { name: 'Причина отказа' }).getByLabel('Скан нечитаемый или обрезан').check();
      await admin.getByLabel('Пояснение или другая причина').fill('Не видно серию и номер.');
      await admin.getByRole('button', { name: 'Отклонить' }).click();
      await admin.getByText('Документы отклонены').waitFor();

      await page.goto(`${server.url}/identity`);
      t.ok(await page.getByText('Отклонена', { exact: true }).isVisible());
      t.ok(await page.getByText('Скан нечитаемый или обрезан. Не видно серию и номер.').isVisible(), 'the reason is shown');
      await checkPage(t, page, 'documents rejected');
      await upload(page, { name: 'паспорт.pdf', mimeType: 'application/pdf', buffer: PDF });
      t.ok(await page.getByRole('link', { name: 'паспорт.pdf' }).isVisible());
    });
  }
});
