import t from 'tap';
import { JS_MODES, chromiumMissing, newContext, startServerAndBrowser } from '../fixtures/browser.js';
import { linkApproved } from '../fixtures/accounts.js';
import { DEMO_PROVIDER } from '../../src/features/accounts/seed.js';
import { sessionCookie } from '../fixtures/sessions.js';

// A new resident follows the first-run list on «Главная» to a link request; an
// owner asks to change the dwelling data and a moderator approves it — with
// JavaScript off and on.

t.test('first run and a dwelling request in the browser', { skip: chromiumMissing }, async (t) => {
  const { server, browser } = await startServerAndBrowser(t.teardown, { APP_TODAY: '2026-11-20' });
  const { db, config } = server;
  const moderator = await db.selectFrom('staff').select('id').where('email', '=', 'moderator@demo.local').executeTakeFirstOrThrow();

  for (const mode of JS_MODES) {
    const js = mode.javaScriptEnabled;
    const suffix = js ? 'js' : 'nojs';

    async function pageFor(cookie: { staffId: number } | { residentId: number }) {
      const context = await newContext(browser, js);
      t.teardown(() => context.close());
      await context.addCookies([{ ...(await sessionCookie(db, config, cookie)), url: server.url }]);
      return context.newPage();
    }

    await t.test(`${mode.name}: the task list leads a new resident to a link request`, async (t) => {
      const resident = await db
        .insertInto('residents')
        .values({ email: `first-${suffix}@example.test`, phone: js ? '+79160000022' : '+79160000021', password_hash: 'not-used', identity_status: 'none' })
        .returning('id')
        .executeTakeFirstOrThrow();
      const page = await pageFor({ residentId: resident.id });
      await page.goto(`${server.url}/`);
      const tasks = page.getByRole('region', { name: 'С чего начать' });
      await tasks.waitFor();
      t.equal(await tasks.getByText('Не начато').count(), 3, 'three steps, none started');
      await tasks.getByRole('link', { name: 'Загрузить документы' }).click();
      await page.getByRole('heading', { name: 'Подтверждение личности' }).waitFor();

      await db.updateTable('residents').set({ identity_status: 'confirmed' }).where('id', '=', resident.id).execute();
      await page.goto(`${server.url}/`);
      await tasks.getByText('Готово').waitFor();
      await tasks.getByRole('link', { name: 'Подключить' }).click();
      await page.getByLabel('Номер лицевого счёта').fill(js ? '77 0000 0002' : '7700000001');
      await page.getByLabel('Организация').selectOption({ label: DEMO_PROVIDER });
      await page.getByLabel('Номер квартиры').fill(js ? 'кв. 2' : '1');
      await page.getByLabel('Я согласен с условиями подключения услуги').check();
      await page.getByRole('button', { name: 'Подключить' }).click();
      await page.getByText('Заявка на подключение отправлена').waitFor();
      await page.goto(`${server.url}/`);
      await tasks.getByText(`Заявка на лицевой счёт ${js ? '7700000002, кв. 2' : '7700000001, кв. 1'} — На рассмотрении`).waitFor();
      t.equal(await tasks.getByText('На проверке').count(), 1, 'the account step is in review');
    });

    await t.test(`${mode.name}: a dwelling request approved by staff`, async (t) => {
      const resident = await db
        .insertInto('residents')
        .values({ email: `dwelling-${suffix}@example.test`, phone: js ? '+79160000024' : '+79160000023', password_hash: 'not-used', identity_status: 'confirmed' })
        .returning('id')
        .executeTakeFirstOrThrow();
      const accountId = await linkApproved(db, resident.id, js ? '7700000020' : '7700000003');
      const page = await pageFor({ residentId: resident.id });
      await page.goto(`${server.url}/dwelling/${accountId}`);
      await page.getByLabel('Площадь, м²').fill('0');
      await page.getByRole('button', { name: 'Запросить изменение' }).click();
      await page.getByText('Площадь — от 1 до 1000 м²').first().waitFor();
      await page.getByLabel('Площадь, м²').fill('40,5');
      await page.getByLabel('Количество проживающих').fill('2');
      await page.getByLabel('Пояснение').fill('Временная регистрация');
      await page.getByRole('button', { name: 'Запросить изменение' }).click();
      await page.getByText('Заявка отправлена').waitFor();

      const admin = await pageFor({ staffId: moderator.id });
      await admin.goto(`${server.url}/admin/dwelling-requests`);
      await admin.getByRole('row', { name: new RegExp(`dwelling-${suffix}@example\\.test`) }).getByRole('link').click();
      await admin.getByText('Временная регистрация').waitFor();
      await admin.getByRole('button', { name: 'Одобрить' }).click();
      await admin.getByText('Изменение одобрено').waitFor();

      await page.goto(`${server.url}/dwelling/${accountId}`);
      await page.getByText('Одобрено', { exact: true }).waitFor();
      t.ok(await page.getByText('С 01.12.2026: площадь 40,5 м², проживающих — 2.').isVisible(), 'applies from the next period');
    });
  }
});
