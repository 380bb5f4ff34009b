import t from 'tap';
import { checkPage } from '../fixtures/accessibility.js';
import { DEMO_PROVIDER } from '../../src/features/accounts/seed.js';
import { JS_MODES, chromiumMissing, newContext, startServerAndBrowser } from '../fixtures/browser.js';
import { sessionCookie } from '../fixtures/sessions.js';

// Each state also goes through axe (checkPage): more than the default two minutes on a loaded machine.
t.setTimeout(300_000);

// A confirmed resident links a flat (7700000001 without JavaScript, 7700000002
// with it: an account has one owner), a moderator approves, the resident submits
// a water reading.

t.test('link an account, approve it, submit a water reading', { skip: chromiumMissing }, async (t) => {
  const { server, browser } = await startServerAndBrowser(t.teardown, { APP_TODAY: '2026-11-20' });
  const { db, config } = server;
  const moderator = await db.selectFrom('staff').select('id').where('email', '=', 'moderator@demo.local').executeTakeFirstOrThrow();
  const coldOf = (payerCode: string) =>
    db
      .selectFrom('meters as m')
      .innerJoin('payer_accounts as pa', 'pa.id', 'm.payer_account_id')
      .select(['m.id', 'm.serial_number'])
      .where('pa.payer_code', '=', payerCode)
      .where('m.resource', '=', 'cold_water')
      .executeTakeFirstOrThrow();

  for (const mode of JS_MODES) {
    t.test(mode.name, async (t) => {
      const [payerCode, flat] = mode.javaScriptEnabled ? ['7700000002', '2'] : ['7700000001', '1'];
      const cold = await coldOf(payerCode);
      const email = `browser-${mode.javaScriptEnabled ? 'js' : 'nojs'}@example.test`;
      const resident = await db
        .insertInto('residents')
        .values({ email, phone: mode.javaScriptEnabled ? '+79160000002' : '+79160000001', password_hash: 'not-used', identity_status: 'confirmed' })
        .returning('id')
        .executeTakeFirstOrThrow();

      const residentContext = await newContext(browser, mode.javaScriptEnabled);
      t.teardown(() => residentContext.close());
      const residentCookie = await sessionCookie(db, config, { residentId: resident.id });
      await residentContext.addCookies([{ ...residentCookie, url: server.url }]);
      const page = await residentContext.newPage();

      await page.goto(`${server.url}/services`);
      await page.getByRole('link', { name: 'Подключить', exact: true }).click();
      await page.getByLabel('Номер лицевого счёта').fill(`${payerCode.slice(0, 2)} ${payerCode.slice(2, 6)} ${payerCode.slice(6)}`);
      await page.getByLabel('Организация').selectOption({ label: DEMO_PROVIDER });
      await page.getByLabel('Номер квартиры').fill(`кв. ${flat}`);
      await page.getByLabel('Я согласен с условиями подключения услуги').check();
      await page.getByRole('button', { name: 'Подключить' }).click();
      await page.getByText('Заявка на подключение отправлена').waitFor();
      await checkPage(t, page, 'a link request sent');
      t.ok(await page.getByRole('row', { name: new RegExp(payerCode) }).getByText('На рассмотрении').isVisible());

      const staffContext = await newContext(browser, mode.javaScriptEnabled);
      t.teardown(() => staffContext.close());
      const staffCookie = await sessionCookie(db, config, { staffId: moderator.id });
      await staffContext.addCookies([{ ...staffCookie, url: server.url }]);
      const admin = await staffContext.newPage();
      await admin.goto(`${server.url}/admin/link-requests`);
      await checkPage(t, admin, 'the link requests queue');
      const row = admin.getByRole('row', { name: new RegExp(email.replace('.', '\\.')) });
      t.ok(await row.getByText('Совпадает с реестром').isVisible());
      await row.getByRole('link').first().click();
      await admin.getByRole('button', { name: 'Одобрить' }).click();
      await admin.getByText('Заявка одобрена: лицевой счёт подключён.').waitFor();
      t.equal(new URL(admin.url()).pathname, '/admin/link-requests');
      await checkPage(t, admin, 'a link request approved');
      const link = await db.selectFrom('account_links').select(['status']).where('resident_id', '=', resident.id).executeTakeFirstOrThrow();
      t.equal(link.status, 'approved');

      await page.goto(`${server.url}/services`);
      t.ok(await page.getByRole('row', { name: new RegExp(payerCode) }).getByText('Подключена').isVisible());

      await page.getByRole('link', { name: 'Показания', exact: true }).first().click();
      const previous = await db.selectFrom('meter_readings').select(['value_t1', 'period']).where('meter_id', '=', cold.id).orderBy('period', 'desc').executeTakeFirstOrThrow();
      const value = (Math.round((previous.value_t1 + (mode.javaScriptEnabled ? 4.25 : 3.5)) * 1000) / 1000).toString().replace('.', ',');
      await page.getByLabel(`Показания: Холодная вода, № ${cold.serial_number}`).fill(value);
      await page.locator('#account-' + (await accountIdOf(payerCode))).getByRole('button', { name: 'Передать показания' }).click();
      await page.getByText('Показания переданы.').waitFor();
      await checkPage(t, page, 'readings sent');
      const saved = await db.selectFrom('meter_readings').selectAll().where('meter_id', '=', cold.id).where('period', '=', '2026-11-01').executeTakeFirstOrThrow();
      t.equal(String(saved.value_t1).replace('.', ','), value);
      t.equal(saved.submitted_by, resident.id);
    });
  }

  async function accountIdOf(payerCode: string): Promise<number> {
    return (await db.selectFrom('payer_accounts').select('id').where('payer_code', '=', payerCode).executeTakeFirstOrThrow()).id;
  }
});
