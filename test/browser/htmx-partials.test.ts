import t from 'tap';
import { checkPage } from '../fixtures/accessibility.js';
import type { Page } from 'playwright-core';
import { JS_MODES, chromiumMissing, newContext, startServerAndBrowser } from '../fixtures/browser.js';
import { accountId, demoResident, lastReading, meterOf } from '../fixtures/accounts.js';
import { sessionCookie } from '../fixtures/sessions.js';

// Each state also goes through axe (checkPage): more than the default two minutes on a loaded machine.
t.setTimeout(300_000);

// Partial swaps with JavaScript on (a marker set on the window survives: no page load),
// the same journeys with whole pages when JavaScript is off.

type Marked = { __marker?: number };

async function setMarker(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as unknown as Marked).__marker = 1;
  });
}

async function marker(page: Page): Promise<number | undefined> {
  return page.evaluate(() => (window as unknown as Marked).__marker);
}

function ru(value: number): string {
  return (Math.round(value * 1000) / 1000).toString().replace('.', ',');
}

t.test('partial swaps', { skip: chromiumMissing }, async (t) => {
  const { server, browser } = await startServerAndBrowser(t.teardown, { APP_TODAY: '2026-11-20' });
  const { db, config } = server;

  const resident = await demoResident(db);
  const id = await accountId(db, '7700000010');
  const cold = await meterOf(db, '7700000010', 'cold_water');
  const october = (await lastReading(db, cold.id))!;
  t.equal(october.period, '2026-10-01');
  const admin = await db.selectFrom('staff').select('id').where('email', '=', 'admin@demo.local').executeTakeFirstOrThrow();
  await db
    .insertInto('audit_log')
    .values(Array.from({ length: 58 }, (_, i) => ({ staff_id: admin.id, action: i < 55 ? 'test.partial' : 'test.other', details: JSON.stringify({ i }), created_at: new Date(Date.UTC(2026, 10, 10, 9, 0, i)) })))
    .execute();

  for (const mode of JS_MODES) {
    const js = mode.javaScriptEnabled;

    t.test(`${mode.name}: «Показания» — errors, the confirmation and success in the account's section`, async (t) => {
      const context = await newContext(browser, js);
      t.teardown(() => context.close());
      await context.addCookies([{ ...(await sessionCookie(db, config, { residentId: resident.id })), url: server.url }]);
      const page = await context.newPage();
      await page.goto(`${server.url}/readings`);
      if (js) await setMarker(page);
      const section = page.locator(`#account-${id}`);
      const input = page.getByLabel(`Показания: Холодная вода, № ${cold.serial_number}`);

      await input.fill(ru(october.value_t1 - 1));
      await section.getByRole('button', { name: 'Передать показания' }).click();
      await page.locator(`#account-${id} .error-summary`).getByText('Показания не могут быть меньше предыдущих').waitFor();
      t.equal(await page.getByLabel(`Показания: Холодная вода, № ${cold.serial_number}`).inputValue(), ru(october.value_t1 - 1), 'the input is kept');
      t.ok(await page.locator(`#m${cold.id}t1-error`).isVisible(), 'the message next to the field');
      t.equal(await page.evaluate(() => document.activeElement?.className), 'error-summary', 'the error summary takes the focus');
      await checkPage(t, page, `readings with an error (${js ? 'swapped' : 'whole page'})`);
      if (js) {
        t.equal(page.url(), `${server.url}/readings`, 'the address did not change');
        t.equal(await marker(page), 1, 'no page load: only the section was swapped');
        t.equal(await page.locator('section.card').count(), 2, 'the other account is still on the page');
      } else {
        t.equal(page.url(), `${server.url}/readings/accounts/${id}`, 'the whole account page with the errors');
      }

      const jump = october.value_t1 + 200;
      await input.fill(ru(jump));
      await page.locator(`#account-${id}`).getByRole('button', { name: 'Передать показания' }).click();
      await page.getByRole('heading', { name: 'Проверьте показания' }).waitFor();
      await checkPage(t, page, `readings to confirm (${js ? 'swapped' : 'whole page'})`);
      t.equal(await input.inputValue(), ru(jump));
      if (js) t.equal(await marker(page), 1);
      await page.getByLabel('Показания верны').check();
      await page.locator(`#account-${id}`).getByRole('button', { name: 'Передать показания' }).click();
      await page.locator(`#account-${id}`).getByText('Показания переданы.').waitFor();
      // Without JavaScript the redirect's #account-N wins over autofocus: the page scrolls to the section.
      if (js) t.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), 'Показания переданы.', 'the message takes the focus and is read out');
      t.equal(await page.locator('.error-summary').count(), 0);
      if (js) {
        t.equal(page.url(), `${server.url}/readings`);
        t.equal(await marker(page), 1, 'success swapped the section too');
      } else {
        t.equal(page.url(), `${server.url}/readings?sent=${id}#account-${id}`, 'post/redirect/get');
      }
      const saved = (await lastReading(db, cold.id))!;
      t.same([saved.period, saved.value_t1], ['2026-11-01', Math.round(jump * 1000) / 1000]);
    });

    t.test(`${mode.name}: «Журнал действий» — filters and pages keep the address`, async (t) => {
      const context = await newContext(browser, js);
      t.teardown(() => context.close());
      await context.addCookies([{ ...(await sessionCookie(db, config, { staffId: admin.id })), url: server.url }]);
      const page = await context.newPage();
      await page.goto(`${server.url}/admin/audit`);
      if (js) await setMarker(page);
      // Every entry, more than the 55 of the filter below (opening the journal is itself recorded).
      const total = Number(/Найдено записей: (\d+)/.exec(await page.locator('.results-count').innerText())?.[1]);
      t.ok(total > 55, `the whole journal: ${total} entries`);

      await page.getByLabel('Действие').selectOption('test.partial');
      await page.getByRole('button', { name: 'Показать' }).click();
      await page.getByText('Найдено записей: 55').waitFor();
      t.match(page.url(), /\/admin\/audit\?(.*&)?action=test\.partial/, 'the filter is in the address');
      if (js) t.equal(await page.evaluate(() => document.activeElement?.className), 'results-count', 'the focus moves to the new count');
      t.equal(await page.getByText('Страница 1 из 2').count(), 1);

      await page.getByRole('link', { name: 'Вперёд →' }).click();
      await page.getByText('Страница 2 из 2').waitFor();
      t.equal(page.url(), `${server.url}/admin/audit?action=test.partial&page=2`);
      t.equal(await page.locator('table.audit tbody tr').count(), 5);
      if (js) t.equal(await marker(page), 1, 'no page load: only the results were swapped');

      // Back shows the first page of the same filter; a reload shows the same page again.
      await page.goBack();
      await page.getByText('Страница 1 из 2').waitFor();
      t.match(page.url(), /action=test\.partial/);
      t.notMatch(page.url(), /page=2/);
      t.equal(await page.getByLabel('Действие').inputValue(), 'test.partial');
      t.equal(await page.locator('h1').count(), 1, 'one whole page, not a page inside a page');
      t.equal(await page.locator('form.filters').count(), 1);
      await page.goForward();
      await page.getByText('Страница 2 из 2').waitFor();
      await page.reload();
      t.equal(await page.getByText('Страница 2 из 2').count(), 1);
      t.equal(await page.getByLabel('Действие').inputValue(), 'test.partial');
      t.equal(await page.locator('table.audit tbody tr').count(), 5);

      // An invalid range: the whole page with the messages next to the fields.
      if (js) await setMarker(page);
      await page.getByLabel('С', { exact: true }).fill('2026-11-20');
      await page.getByLabel('По', { exact: true }).fill('2026-11-01');
      await page.getByRole('button', { name: 'Показать' }).click();
      await page.locator('.error-summary').getByText('Дата «По» должна быть не раньше даты «С»').waitFor();
      t.ok(await page.locator('#to-error').isVisible());
      await checkPage(t, page, 'the audit log with a wrong range');
      t.equal(await page.getByLabel('С', { exact: true }).inputValue(), '2026-11-20');
      t.equal(await page.locator('h1').count(), 1);
      t.match(page.url(), /from=2026-11-20/);
      if (js) t.equal(await marker(page), 1, 'htmx swapped the whole body, no page load');
    });
  }
});
