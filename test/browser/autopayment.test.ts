import t from 'tap';
import { checkPage } from '../fixtures/accessibility.js';
import { JS_MODES, chromiumMissing, launchBrowser, newContext, startServer } from '../fixtures/browser.js';
import { sessionCookie } from '../fixtures/sessions.js';

// The demo resident pays once by card with «Запомнить карту для автоплатежа», finds the
// payment in «История платежей», downloads its receipt as a PDF, then sets up
// «Автоплатёж» with that card and cancels it — with JavaScript off and on.

t.setTimeout(600_000);

t.test('a remembered card payment, its receipt and history, then «Автоплатёж» set up and cancelled', { skip: chromiumMissing, timeout: 600_000 }, async (t) => {
  const server = await startServer(t.teardown, { APP_TODAY: '2026-12-02' });
  const { db, config } = server;
  const browser = await launchBrowser(t.teardown);
  const resident = await db.selectFrom('residents').select('id').where('email', '=', 'resident@demo.local').executeTakeFirstOrThrow();
  const accounts = await db.selectFrom('account_links').select('payer_account_id').where('resident_id', '=', resident.id).where('status', '=', 'approved').orderBy('payer_account_id').execute();
  t.ok(accounts.length >= 2, 'the demo resident has two accounts');

  for (const [i, mode] of JS_MODES.entries()) {
    await t.test(mode.name, async (t) => {
      const accountId = accounts[i]!.payer_account_id!;
      const context = await newContext(browser, mode.javaScriptEnabled);
      t.teardown(() => context.close());
      await context.addCookies([{ ...(await sessionCookie(db, config, { residentId: resident.id })), url: server.url }]);
      const page = await context.newPage();
      const errors: string[] = [];
      // The refused form answers 422 on purpose; the browser reports any 4xx on the console.
      page.on('console', (message) => message.type() === 'error' && !/status of 422/.test(message.text()) && errors.push(message.text()));

      // The first payment by card, the card remembered for auto-payment.
      await page.goto(`${server.url}/payments?account=${accountId}`);
      await page.getByLabel('Сумма', { exact: true }).fill('123,45');
      await page.getByLabel('Банковская карта', { exact: true }).check();
      await page.getByLabel('Запомнить карту для автоплатежа').check();
      await page.getByRole('button', { name: 'Продолжить' }).click();
      await page.getByRole('heading', { name: 'Проверьте платёж' }).waitFor();
      await page.getByRole('button', { name: 'Оплатить', exact: true }).click();
      await page.waitForURL(/\/sandbox-acquirer\/pay\//);
      await page.getByLabel('Номер карты').fill('4111 1111 1111 1111');
      await page.getByLabel('Срок действия').fill('12/30');
      await page.getByLabel('CVC').fill('123');
      await page.getByRole('button', { name: 'Оплатить', exact: true }).click();
      await page.waitForURL(/\/payments\/\d+$/);
      t.equal(await page.locator('h1').textContent(), 'Платёж выполнен');
      const paymentId = Number(/\/payments\/(\d+)$/.exec(page.url())![1]);

      // «История платежей» shows it; its receipt downloads as a PDF.
      await page.goto(`${server.url}/payment-history`);
      const row = page.locator('table.history tr', { hasText: `Квитанция № ${paymentId}` });
      t.ok(await row.isVisible(), 'the payment is in the history');
      t.match(await row.textContent(), /123,45/);
      await row.getByRole('link', { name: `Квитанция № ${paymentId}` }).click();
      await page.waitForURL(new RegExp(`/receipts/${paymentId}$`));
      const pdfLink = page.getByRole('link', { name: 'Скачать PDF' });
      const pdf = await context.request.get(new URL((await pdfLink.getAttribute('href'))!, server.url).href);
      t.equal(pdf.status(), 200);
      t.match(pdf.headers()['content-type'], /^application\/pdf/, 'the receipt is a PDF');
      t.equal((await pdf.body()).subarray(0, 5).toString(), '%PDF-');
      const [download] = await Promise.all([page.waitForEvent('download'), pdfLink.click()]);
      t.match(download.suggestedFilename(), /\.pdf$/, 'the browser downloads it');

      // «Автоплатёж» from «Оплата», with the remembered card.
      await page.goto(`${server.url}/payments?account=${accountId}`);
      await page.getByRole('link', { name: 'Автоплатёж' }).click();
      await page.waitForURL(/\/autopayment\?account=/);
      t.equal(await page.locator('h1').textContent(), 'Автоплатёж');
      t.equal(await page.getByText('4111').count(), 0, 'never the card number');
      await checkPage(t, page, 'auto-payment form');
      await page.getByLabel('Максимальная сумма').fill('ten');
      await page.getByRole('button', { name: 'Сохранить' }).click();
      await page.locator('#chargeDay-error').waitFor();
      t.equal(await page.getByLabel('Максимальная сумма').inputValue(), 'ten', 'the input kept');
      await checkPage(t, page, 'auto-payment form refused');
      await page.getByLabel('День списания').selectOption('10');
      await page.getByLabel('Максимальная сумма').fill('3 000,00');
      t.ok(await page.getByLabel('•••• 1111').isChecked(), 'the saved card is chosen');
      await page.getByRole('button', { name: 'Сохранить' }).click();
      await page.getByText('Автоплатёж сохранён.').waitFor();
      t.ok(await page.getByText('10-е число каждого месяца').isVisible());
      await checkPage(t, page, 'auto-payment saved');
      t.match(await db.selectFrom('autopayments').selectAll().where('payer_account_id', '=', accountId).executeTakeFirstOrThrow(), { charge_day: 10, max_kopecks: 300_000, cancelled_at: null });

      await page.getByRole('link', { name: 'Отменить автоплатёж' }).click();
      await page.getByRole('heading', { name: 'Отменить автоплатёж?' }).waitFor();
      await checkPage(t, page, 'auto-payment cancel confirmation');
      await page.getByRole('button', { name: 'Отменить автоплатёж' }).click();
      await page.getByText('Автоплатёж отменён.').waitFor();
      t.ok((await db.selectFrom('autopayments').select('cancelled_at').where('payer_account_id', '=', accountId).executeTakeFirstOrThrow()).cancelled_at, 'cancelled');
      t.same(errors, [], 'no console errors');
    });
  }
});
