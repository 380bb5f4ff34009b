import t from 'tap';
import { JS_MODES, chromiumMissing, newContext, startServerAndBrowser } from '../fixtures/browser.js';
import { sessionCookie } from '../fixtures/sessions.js';

// A dispatcher publishes a notice for the building of 7700000001; a resident linked
// to it sees the banner on «Главная»; anyone finds it at «Отключения» by address —
// with JavaScript off (plain forms) and on (live building search, htmx swaps).

// Two journeys, each on a real server and browser: more than the default file time on a busy machine.
t.setTimeout(300_000);

t.test('publish a notice, the resident sees the banner, the public finds it', { skip: chromiumMissing }, async (t) => {
  const { server, browser } = await startServerAndBrowser(t.teardown, { APP_TODAY: '2026-11-20' });
  const { db, config } = server;
  const dispatcher = await db.selectFrom('staff').select('id').where('email', '=', 'dispatcher@demo.local').executeTakeFirstOrThrow();
  // Flats 1 and 2 of one building: an account has one owner, so each run links its own.
  const accountOf = (payerCode: string) =>
    db
      .selectFrom('payer_accounts as pa')
      .innerJoin('premises as p', 'p.id', 'pa.premises_id')
      .select(['pa.id', 'pa.provider_id', 'p.flat_number', 'pa.payer_code'])
      .where('pa.payer_code', '=', payerCode)
      .executeTakeFirstOrThrow();

  for (const mode of JS_MODES) {
    t.test(mode.name, async (t) => {
      const js = mode.javaScriptEnabled;
      const resource = js ? 'Газ' : 'Горячая вода';
      const account = await accountOf(js ? '7700000002' : '7700000001');
      const resident = await db
        .insertInto('residents')
        .values({ email: `notices-${js ? 'js' : 'nojs'}@example.test`, phone: js ? '+79160000012' : '+79160000011', password_hash: 'not-used', identity_status: 'confirmed' })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db
        .insertInto('account_links')
        .values({
          resident_id: resident.id, requested_payer_code: account.payer_code, requested_provider_id: account.provider_id, requested_flat: account.flat_number,
          consented_at: new Date(), payer_account_id: account.id, status: 'approved', decided_at: new Date(),
        })
        .execute();

      const staffContext = await newContext(browser, js);
      t.teardown(() => staffContext.close());
      await staffContext.addCookies([{ ...(await sessionCookie(db, config, { staffId: dispatcher.id })), url: server.url }]);
      const admin = await staffContext.newPage();
      admin.setDefaultTimeout(20_000);
      await admin.goto(`${server.url}/admin`);
      await admin.getByRole('link', { name: 'Новое объявление' }).click();
      await admin.getByLabel('Тип', { exact: true }).selectOption({ label: 'Аварийное отключение' });
      await admin.getByLabel('Ресурс', { exact: true }).selectOption({ label: resource });
      await admin.getByLabel('Найти дом').fill('Тверская');
      // Without JavaScript the «Найти» button posts the form back; with it the results come while typing.
      if (!js) await admin.getByRole('button', { name: 'Найти', exact: true }).click();
      await admin.getByLabel('г. Москва, ул. Тверская, д. 10 (УНОМ 1001)').check();
      await admin.getByLabel('Начало', { exact: true }).fill('2026-11-20T00:00');
      await admin.getByLabel('Окончание', { exact: true }).fill('2026-11-21T00:00');
      await admin.getByLabel('Поставщик').fill('ПАО «МОЭК»');
      await admin.getByLabel('Причина').fill('Авария на сети');
      await admin.getByLabel('Текст объявления').fill('Работы идут круглосуточно.');
      await admin.getByRole('button', { name: 'Предпросмотр' }).click();
      await admin.getByRole('heading', { name: 'Предпросмотр объявления' }).waitFor();
      t.ok(await admin.getByText('г. Москва, ул. Тверская, д. 10').first().isVisible());
      await admin.getByRole('button', { name: 'Опубликовать' }).click();
      await admin.getByText('Объявление опубликовано').waitFor();
      t.ok(await admin.getByText('Действует').isVisible());

      const residentContext = await newContext(browser, js);
      t.teardown(() => residentContext.close());
      await residentContext.addCookies([{ ...(await sessionCookie(db, config, { residentId: resident.id })), url: server.url }]);
      const home = await residentContext.newPage();
      await home.goto(`${server.url}/`);
      const banner = home.getByRole('region', { name: 'Отключения сейчас' });
      t.match(await banner.textContent(), `Аварийное отключение: ${resource.toLowerCase()} — сегодня до 24:00`);
      await banner.getByRole('link', { name: /Объявления/ }).click();
      await home.getByRole('heading', { name: `Аварийное отключение: ${resource.toLowerCase()} — сегодня до 24:00` }).waitFor();

      const publicContext = await newContext(browser, js);
      t.teardown(() => publicContext.close());
      const visitor = await publicContext.newPage();
      await visitor.goto(`${server.url}/`);
      await visitor.getByRole('link', { name: 'Отключения по адресу' }).click();
      await visitor.getByLabel('Адрес').fill('Тверская, д. 10');
      await visitor.getByRole('button', { name: 'Найти' }).click();
      await visitor.getByRole('link', { name: 'г. Москва, ул. Тверская, д. 10' }).click();
      await visitor.getByRole('heading', { name: `Аварийное отключение: ${resource.toLowerCase()} — сегодня до 24:00` }).waitFor();
      t.pass('the public look-up shows the notice');
    });
  }
});
