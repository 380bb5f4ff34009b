import t from 'tap';
import { checkPage } from '../fixtures/accessibility.js';
import { JS_MODES, chromiumMissing, newContext, startServerAndBrowser } from '../fixtures/browser.js';

// Each state also goes through axe (checkPage): more than the default two minutes on a loaded machine.
t.setTimeout(300_000);

t.test('the home page in a real browser', { skip: chromiumMissing }, async (t) => {
  const { server, browser } = await startServerAndBrowser(t.teardown);
  for (const mode of JS_MODES) {
    await t.test(mode.name, async (t) => {
      const context = await newContext(browser, mode.javaScriptEnabled);
      t.teardown(() => context.close());
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
      await page.goto(server.url + '/');
      t.equal(await page.locator('h1').textContent(), 'Личный кабинет ЖКУ');
      await checkPage(t, page, 'home, signed out');
      await page.getByRole('link', { name: 'Зарегистрироваться' }).first().click();
      await page.waitForURL(/\/register/);
      t.match(page.url(), /\/register$/, 'sign-up is one click away');
      await checkPage(t, page, 'sign-up form');
      await page.goto(server.url + '/');
      await page.getByRole('link', { name: 'Войти' }).first().click();
      await page.waitForURL(/\/login/);
      t.match(page.url(), /\/login$/);
      await checkPage(t, page, 'sign-in form');
      t.same(errors, [], 'no console errors (CSP violations included)');
    });
  }
});
