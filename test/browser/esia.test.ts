import t from 'tap';
import { JS_MODES, chromiumMissing, newContext, startServerAndBrowser } from '../fixtures/browser.js';

// Sign-up through Госуслуги in a real browser, against the sandbox ЕСИА of the same
// server, with JavaScript off and on; then «Отказаться» on ЕСИА.

const PERSONS = { 'JavaScript off': 'Иванов Иван Иванович', 'JavaScript on': 'Смирнова Анна Сергеевна' } as const;

// Two sign-ups through two sites' pages each, after a server start, on a shared machine.
t.setTimeout(300_000);

t.test('Госуслуги in the browser', { skip: chromiumMissing }, async (t) => {
  const { server, browser } = await startServerAndBrowser(t.teardown);

  for (const mode of JS_MODES) {
    await t.test(`${mode.name}: sign-up as a confirmed person, identity confirmed, account link form open`, async (t) => {
      const context = await newContext(browser, mode.javaScriptEnabled);
      t.teardown(() => context.close());
      const page = await context.newPage();
      const name = PERSONS[mode.name];

      await page.goto(`${server.url}/register`);
      await page.getByRole('button', { name: 'Зарегистрироваться через Госуслуги' }).click();
      await page.getByRole('heading', { name: 'Вход в ЕСИА' }).waitFor();
      t.ok(await page.getByText('Личный кабинет ЖКУ').first().isVisible(), 'ЕСИА names the service asking');
      t.ok(await page.getByText('СНИЛС').first().isVisible(), 'and what it asks for');
      await page.getByRole('button', { name: `Войти как ${name}` }).click();

      await page.getByRole('heading', { name: 'Регистрация через Госуслуги' }).waitFor();
      t.ok(await page.getByText(name).isVisible());
      // Without the terms the form comes back with the message next to the checkbox.
      await page.getByRole('button', { name: 'Зарегистрироваться', exact: true }).click();
      await page.getByText('Чтобы зарегистрироваться, примите условия пользовательского соглашения').first().waitFor();
      await page.getByLabel('Я принимаю условия пользовательского соглашения').check();
      await page.getByRole('button', { name: 'Зарегистрироваться', exact: true }).click();

      await page.getByRole('heading', { name: 'Главная' }).waitFor();
      t.ok(await page.getByText('Подтверждена', { exact: true }).isVisible(), 'identity confirmed without documents');
      await page.goto(`${server.url}/services/utilities/new`);
      t.ok(await page.getByLabel('Номер лицевого счёта').isVisible(), 'an account can be linked at once');

      await page.goto(`${server.url}/profile`);
      t.ok(await page.getByText('Вход через Госуслуги').first().isVisible(), 'the session list says how');
      await page.getByRole('link', { name: 'Госуслуги', exact: true }).click();
      await page.getByRole('heading', { name: 'Госуслуги' }).waitFor();
      t.ok(await page.getByText('подтверждённая').isVisible(), 'the linked Госуслуги account and its level');
      t.ok(await page.getByText('***-***-').isVisible(), 'СНИЛС shown masked');
    });

    await t.test(`${mode.name}: «Отказаться» on ЕСИА`, async (t) => {
      const context = await newContext(browser, mode.javaScriptEnabled);
      t.teardown(() => context.close());
      const page = await context.newPage();
      await page.goto(`${server.url}/login`);
      await page.getByRole('button', { name: 'Войти через Госуслуги' }).click();
      await page.getByRole('button', { name: 'Отказаться' }).click();
      await page.getByRole('heading', { name: 'Вход через Госуслуги отменён' }).waitFor();
      t.ok(await page.getByText('Ничего не изменено').isVisible());
    });
  }
});
