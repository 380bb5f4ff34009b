import t from 'tap';
import { sampleScanPng } from '../../src/features/identity/sample-scan.js';
import { checkPage } from '../fixtures/accessibility.js';
import { JS_MODES, chromiumMissing, launchBrowser, newContext, startServer } from '../fixtures/browser.js';
import { sessionCookie } from '../fixtures/sessions.js';

// A resident files a leak with a photo; a dispatcher takes it and marks it done;
// the resident sees «Выполнена» and rates it — with JavaScript off and on.

t.setTimeout(300_000);

t.test('file a leak, the dispatcher finishes it, the resident rates it', { skip: chromiumMissing }, async (t) => {
  const server = await startServer(t.teardown, { APP_TODAY: '2026-11-20' });
  const { db, config } = server;
  const browser = await launchBrowser(t.teardown);
  const dispatcher = await db.selectFrom('staff').select('id').where('email', '=', 'dispatcher@demo.local').executeTakeFirstOrThrow();

  for (const mode of JS_MODES) {
    t.test(mode.name, async (t) => {
      const js = mode.javaScriptEnabled;
      // One owner per account: each run links its own flat.
      const account = await db
        .selectFrom('payer_accounts as pa')
        .innerJoin('premises as p', 'p.id', 'pa.premises_id')
        .select(['pa.id', 'pa.provider_id', 'p.flat_number', 'pa.payer_code'])
        .where('pa.payer_code', '=', js ? '7700000002' : '7700000001')
        .executeTakeFirstOrThrow();
      const resident = await db
        .insertInto('residents')
        .values({ email: `requests-${js ? 'js' : 'nojs'}@example.test`, phone: js ? '+79160000022' : '+79160000021', password_hash: 'not-used', identity_status: 'confirmed' })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db
        .insertInto('account_links')
        .values({
          resident_id: resident.id, requested_payer_code: account.payer_code, requested_provider_id: account.provider_id, requested_flat: account.flat_number,
          consented_at: new Date(), payer_account_id: account.id, status: 'approved', decided_at: new Date(),
        })
        .execute();

      const residentContext = await newContext(browser, js);
      t.teardown(() => residentContext.close());
      await residentContext.addCookies([{ ...(await sessionCookie(db, config, { residentId: resident.id })), url: server.url }]);
      const page = await residentContext.newPage();
      page.setDefaultTimeout(20_000);
      await page.goto(`${server.url}/`);
      await page.getByRole('navigation', { name: 'Разделы' }).getByRole('link', { name: 'Заявки' }).click();
      await page.getByRole('heading', { name: 'Заявки', exact: true }).waitFor();
      await page.getByRole('link', { name: 'Новая заявка' }).click();
      await page.getByRole('heading', { name: 'Новая заявка' }).waitFor();
      // Without a description the form answers next to the field.
      await page.getByRole('button', { name: 'Отправить заявку' }).click();
      await page.getByText('Опишите, что случилось: где именно и что видно').first().waitFor();
      await checkPage(t, page, 'new request with errors');
      await page.getByLabel('Протечка', { exact: true }).check();
      await page.getByLabel('В квартире', { exact: true }).check();
      await page.getByLabel('Описание').fill('Капает с потолка в ванной');
      await page.getByLabel('Фотографии').setInputFiles({ name: 'потолок.png', mimeType: 'image/png', buffer: sampleScanPng() });
      t.equal(await page.getByLabel('Телефон для связи').inputValue(), js ? '+79160000022' : '+79160000021', 'the phone is filled in');
      await page.getByRole('button', { name: 'Отправить заявку' }).click();
      await page.getByText('Заявка зарегистрирована. Диспетчер получил её.').waitFor();
      t.ok(await page.locator('.tag', { hasText: 'Зарегистрирована' }).isVisible(), 'the status');
      t.match(await page.locator('dl.summary').textContent(), /Срок по нормативу\s*20\.11\.2026/);
      t.ok(await page.getByRole('img', { name: 'Фотография «потолок.png»' }).isVisible(), 'the photo is shown');
      await checkPage(t, page, 'request registered');
      const id = Number(/\/requests\/(\d+)/.exec(page.url())![1]);

      const staffContext = await newContext(browser, js);
      t.teardown(() => staffContext.close());
      await staffContext.addCookies([{ ...(await sessionCookie(db, config, { staffId: dispatcher.id })), url: server.url }]);
      const admin = await staffContext.newPage();
      admin.setDefaultTimeout(20_000);
      await admin.goto(`${server.url}/admin`);
      await admin.getByRole('navigation', { name: 'Разделы' }).getByRole('link', { name: 'Заявки', exact: true }).click();
      await admin.getByRole('heading', { name: 'Заявки', exact: true }).waitFor();
      await checkPage(t, admin, 'dispatcher queue');
      await admin.getByRole('link', { name: `№ ${id}`, exact: true }).click();
      await admin.getByLabel('Бригада').fill('Сантехники, участок 3');
      await admin.getByRole('button', { name: 'Взять в работу' }).click();
      await admin.getByText('Заявка взята в работу. Житель получит письмо.').waitFor();
      await admin.getByLabel('Выполнена', { exact: true }).check();
      await admin.getByLabel('Комментарий для жителя').fill('Прокладка заменена, течи нет');
      await admin.getByRole('button', { name: 'Сохранить статус' }).click();
      await admin.getByText('Заявка выполнена. Житель получит письмо.').waitFor();
      await checkPage(t, admin, 'dispatcher: request done');

      await page.goto(`${server.url}/requests/${id}`);
      t.ok(await page.getByText('Выполнена', { exact: true }).first().isVisible(), 'the resident sees «Выполнена»');
      t.ok(await page.getByText('Прокладка заменена, течи нет').isVisible());
      await page.getByLabel('5 — отлично').check();
      await page.getByRole('button', { name: 'Оценить' }).click();
      await page.getByText('Спасибо за оценку.').waitFor();
      t.match(await page.locator('dl.summary').textContent(), 'Ваша оценка5 из 5');
      const row = await db.selectFrom('service_requests').select(['status', 'rating']).where('id', '=', id).executeTakeFirstOrThrow();
      t.same(row, { status: 'done', rating: 5 });
    });
  }
});
