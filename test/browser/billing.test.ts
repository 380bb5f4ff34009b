import t from 'tap';
import { JS_MODES, chromiumMissing, newContext, startServerAndBrowser } from '../fixtures/browser.js';
import { sessionCookie } from '../fixtures/sessions.js';

// The demo resident opens «Счета», a bill, its «Расчёт пеней», and downloads the
// PDF — with JavaScript off and on.

// Two journeys after a server start, on a shared machine: more than the default two minutes for the file.
t.setTimeout(300_000);

t.test('bills, one ЕПД, its penalty and the PDF in a real browser', { skip: chromiumMissing, timeout: 600_000 }, async (t) => {
  const { server, browser } = await startServerAndBrowser(t.teardown, { APP_TODAY: '2026-12-02' });
  const { db, config } = server;
  const resident = await db.selectFrom('residents').select('id').where('email', '=', 'resident@demo.local').executeTakeFirstOrThrow();

  for (const mode of JS_MODES) {
    await t.test(mode.name, async (t) => {
      const context = await browser.newContext({ javaScriptEnabled: mode.javaScriptEnabled, locale: 'ru-RU', acceptDownloads: true });
      t.teardown(() => context.close());
      await context.addCookies([{ ...(await sessionCookie(db, config, { residentId: resident.id })), url: server.url }]);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));

      await page.goto(`${server.url}/`);
      await page.getByRole('navigation', { name: 'Разделы' }).getByRole('link', { name: 'Счета' }).click();
      await page.waitForURL(`${server.url}/bills`);
      t.equal(await page.locator('h1').textContent(), 'Счета');
      t.equal(await page.getByRole('row').filter({ hasText: 'Единый платёжный документ за' }).count(), 12);

      await page.getByRole('link', { name: 'Единый платёжный документ за ноябрь 2026 г.' }).click();
      await page.waitForURL(/\/bills\/\d+$/);
      t.match(await page.locator('h1').textContent(), /Единый платёжный документ за ноябрь 2026/);
      t.ok(await page.getByRole('heading', { name: 'АО «Мосэнергосбыт»' }).isVisible(), 'a section per payee');
      t.equal(await page.locator('.epd-qr svg').count(), 3, 'a QR code per payee');

      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Скачать PDF' }).click()]);
      t.match(download.suggestedFilename(), /^epd-7700000010-2026-11\.pdf$/);
      const stream = await download.createReadStream();
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      t.equal(Buffer.concat(chunks).subarray(0, 5).toString(), '%PDF-', 'a real PDF');

      await page.getByRole('link', { name: 'Расчёт пеней' }).click();
      await page.waitForURL(/\/bills\/\d+\/penalty$/);
      t.equal(await page.locator('h1').textContent(), 'Расчёт пеней');
      t.ok(await page.getByText('Пеней нет').isVisible(), 'a resident who pays on time has no penalty');
      t.same(errors, [], 'no console errors');
    });
  }
});
