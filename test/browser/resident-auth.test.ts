import t from 'tap';
import { checkPage } from '../fixtures/accessibility.js';
import type { BrowserContext, Page } from 'playwright-core';
import { JS_MODES, chromiumMissing, newContext, startServerAndBrowser } from '../fixtures/browser.js';

// Each state also goes through axe (checkPage): more than the default two minutes on a loaded machine.
t.setTimeout(300_000);

const PASSWORD = 'Соседи-по-лестнице-7';

/** Opens the newest message to `to` whose subject starts with `subject` in /dev/mailbox, waiting for it to arrive. */
async function openMail(context: BrowserContext, base: string, to: string, subject: string): Promise<Page> {
  const mailbox = await context.newPage();
  const deadline = Date.now() + 15_000;
  for (;;) {
    await mailbox.goto(`${base}/dev/mailbox`);
    const item = mailbox.locator('.mailbox__item').filter({ hasText: to }).filter({ hasText: subject }).first();
    if ((await item.count()) > 0) {
      await item.locator('.mailbox__subject a').click();
      await mailbox.waitForURL(/\/dev\/mailbox\/\d+$/);
      return mailbox;
    }
    if (Date.now() > deadline) throw new Error(`no message "${subject}" to ${to}`);
    await mailbox.waitForTimeout(200);
  }
}

t.test('sign-up → mailbox → confirm → sign-in → code from the mailbox → home', { skip: chromiumMissing }, async (t) => {
  const { server, browser } = await startServerAndBrowser(t.teardown);
  for (const mode of JS_MODES) {
    await t.test(mode.name, async (t) => {
      const context = await newContext(browser, mode.javaScriptEnabled);
      t.teardown(() => context.close());
      const page = await context.newPage();
      const errors: string[] = [];
      // The invalid form is answered 422 on purpose; Chromium logs every 4xx document.
      page.on('console', (message) => message.type() === 'error' && !/status of 422/.test(message.text()) && errors.push(message.text()));
      const email = `browser-${mode.javaScriptEnabled ? 'js' : 'nojs'}@example.ru`;

      await page.goto(server.url + '/');
      await page.getByRole('link', { name: 'Зарегистрироваться' }).first().click();
      await page.getByRole('heading', { name: 'Регистрация' }).waitFor();
      // A first try with a common password: the form comes back with the error and the input kept.
      await page.getByLabel('Электронная почта').fill(email);
      await page.getByLabel('Номер телефона').fill('8 916 555-44-33');
      await page.getByLabel('Пароль', { exact: true }).fill('qwertyuiop');
      await page.getByLabel('Повторите пароль').fill('qwertyuiop');
      await page.getByLabel('Я принимаю условия пользовательского соглашения').check();
      await page.getByRole('button', { name: 'Зарегистрироваться', exact: true }).click();
      await page.locator('.error-summary').waitFor();
      t.match(await page.locator('.error-summary').textContent(), /слишком распространён/);
      t.equal(await page.getByLabel('Электронная почта').inputValue(), email, 'input kept');
      t.equal(await page.getByLabel('Пароль', { exact: true }).inputValue(), '', 'never the password');
      await checkPage(t, page, 'sign-up with errors');

      await page.getByLabel('Пароль', { exact: true }).fill(PASSWORD);
      await page.getByLabel('Повторите пароль').fill(PASSWORD);
      await page.getByLabel('Я принимаю условия пользовательского соглашения').check();
      await page.getByRole('button', { name: 'Зарегистрироваться', exact: true }).click();
      await page.getByRole('heading', { name: 'Проверьте почту' }).waitFor();
      t.match(await page.locator('main').textContent(), new RegExp(`Мы отправили письмо на ${email.replace(/\./g, '\\.')}`));

      const confirmation = await openMail(context, server.url, email, 'Подтвердите адрес электронной почты');
      await confirmation.locator('.mailbox__text a').first().click();
      await confirmation.getByRole('button', { name: 'Подтвердить' }).click();
      await confirmation.getByRole('heading', { name: 'Вход' }).waitFor();
      t.match(await confirmation.locator('main').textContent(), /Адрес электронной почты подтверждён/);
      await confirmation.close();

      await page.goto(server.url + '/login');
      await page.getByLabel('Электронная почта').fill(email);
      await page.getByLabel('Пароль').fill(PASSWORD);
      await page.getByRole('button', { name: 'Войти', exact: true }).click();
      await page.getByRole('group', { name: 'Куда отправить код' }).waitFor();
      await checkPage(t, page, 'where to send the code');
      await page.getByLabel('Электронная почта').check();
      await page.getByRole('button', { name: 'Получить код' }).click();
      await page.getByLabel('Код подтверждения').waitFor();
      await checkPage(t, page, 'the code form');

      const mail = await openMail(context, server.url, email, 'Код для входа');
      const code = /\b(\d{6})\b/.exec((await mail.locator('.mailbox__text').textContent()) ?? '')?.[1];
      t.ok(code, 'a 6-digit code arrived');
      await mail.close();
      await page.getByLabel('Код подтверждения').fill(code!);
      await page.getByRole('button', { name: 'Подтвердить' }).click();
      await page.getByText(`Вы вошли как ${email}`).waitFor();
      t.equal(new URL(page.url()).pathname, '/');
      await checkPage(t, page, 'home, just signed in');
      t.ok(await page.getByRole('button', { name: 'Выйти' }).isVisible());

      await page.getByRole('button', { name: 'Выйти' }).click();
      await page.getByRole('navigation', { name: 'Вход' }).waitFor();
      t.same(errors, [], 'no console errors (CSP violations included)');
    });
  }
});
