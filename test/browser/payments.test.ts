import t from 'tap';
import type { Page } from 'playwright-core';
import { JS_MODES, chromiumMissing, launchBrowser, newContext, startServer } from '../fixtures/browser.js';
import { sessionCookie } from '../fixtures/sessions.js';

// The demo resident pays in a real browser, with JavaScript off and on: a declined
// card and then a good one, 3-D Secure, СБП, and at last the whole debt by card.

// Ten payments through the acquirer's pages take longer than a file's usual two minutes.
t.setTimeout(900_000);

type Way = { method: 'Банковская карта' | 'СБП'; amount?: string; card?: string; threeDs?: boolean };

async function pay(page: Page, base: string, accountId: number, way: Way): Promise<string> {
  await page.goto(`${base}/payments?account=${accountId}`);
  if (way.amount) await page.getByLabel('Сумма', { exact: true }).fill(way.amount);
  await page.getByLabel(way.method, { exact: true }).check();
  await page.getByRole('button', { name: 'Продолжить' }).click();
  await page.getByRole('heading', { name: 'Проверьте платёж' }).waitFor();
  await page.getByRole('button', { name: 'Оплатить', exact: true }).click();
  await page.waitForURL(/\/sandbox-acquirer\/pay\//);
  if (way.method === 'СБП') {
    await page.locator('.sbp-qr svg').waitFor();
    await page.getByRole('button', { name: 'Подтвердить в приложении банка' }).click();
  } else {
    await page.getByLabel('Номер карты').fill(way.card ?? '4111 1111 1111 1111');
    await page.getByLabel('Срок действия').fill('12/30');
    await page.getByLabel('CVC').fill('123');
    await page.getByRole('button', { name: 'Оплатить', exact: true }).click();
    if (way.threeDs) {
      await page.getByRole('heading', { name: 'Подтверждение платежа (3-D Secure)' }).waitFor();
      await page.getByRole('button', { name: 'Подтвердить платёж' }).click();
    }
  }
  await page.waitForURL(/\/payments\/\d+$/);
  return (await page.locator('h1').textContent()) ?? '';
}

t.test('paying by card, a declined card, 3-D Secure and СБП in a real browser', { skip: chromiumMissing, timeout: 900_000 }, async (t) => {
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
      page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));

      await page.goto(`${server.url}/`);
      await page.getByRole('navigation', { name: 'Разделы' }).getByRole('link', { name: 'Оплата' }).click();
      await page.waitForURL(/\/payments/);
      t.equal(await page.locator('h1').textContent(), 'Оплата');

      t.equal(await pay(page, server.url, accountId, { method: 'Банковская карта', amount: '100,00', card: '4000 0000 0000 0002' }), 'Платёж не выполнен', 'a declined card');
      t.ok(await page.getByText('Банк отклонил операцию').isVisible());
      t.equal(await pay(page, server.url, accountId, { method: 'Банковская карта', amount: '100,00' }), 'Платёж выполнен', 'then a good one');
      t.equal(await pay(page, server.url, accountId, { method: 'Банковская карта', amount: '50,00', card: '4000 0000 0000 3220', threeDs: true }), 'Платёж выполнен', '3-D Secure');
      t.equal(await pay(page, server.url, accountId, { method: 'СБП', amount: '25,00' }), 'Платёж выполнен', 'СБП');
      t.equal(await pay(page, server.url, accountId, { method: 'Банковская карта' }), 'Платёж выполнен', 'the whole debt, as filled in');
      await page.goto(`${server.url}/payments?account=${accountId}`);
      t.ok(await page.getByText('Задолженности нет').isVisible(), 'nothing is owed any more');
      t.same(errors, [], 'no console errors');
    });
  }
  const unallocated = await db
    .selectFrom('online_payments as p')
    .select(['p.id', 'p.amount_kopecks', (eb) => eb.selectFrom('payment_allocations as a').select((e) => e.fn.sum<number>('a.amount_kopecks').as('s')).whereRef('a.payment_id', '=', 'p.id').as('allocated')])
    .where('p.status', '=', 'succeeded')
    .execute();
  t.equal(unallocated.length, 8, 'eight payments succeeded');
  t.ok(unallocated.every((p) => Number(p.allocated) === Number(p.amount_kopecks)), 'each allocated to the kopeck');
});
