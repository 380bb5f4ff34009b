import t from 'tap';
import { readFileSync } from 'node:fs';
import { checkPage } from '../fixtures/accessibility.js';
import { accountId, demoResident, meterOf } from '../fixtures/accounts.js';
import { chromiumMissing, newContext, startServerAndBrowser } from '../fixtures/browser.js';
import { sessionCookie } from '../fixtures/sessions.js';
import { inProject } from '../../src/lib/project-folder.js';

// A tour of every page a resident and the staff open: axe and the phone layout on each
// (test/fixtures/accessibility.ts), the weight of each page, and the pages as a browser
// without CSS custom properties or flexbox `gap` sees them.

// Some forty page states, each checked twice by axe: more than the default two minutes on a loaded machine.
t.setTimeout(600_000);

const CSS = readFileSync(inProject('public/css/app.css'), 'utf8');
const MAX_PAGE_BYTES = 60 * 1024;

/** The stylesheet as an old browser keeps it: declarations it cannot parse are dropped. */
function oldBrowserCss(css: string): string {
  return css.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(?<=[{;])\s*[a-z-]+\s*:[^;{}]*var\([^;{}]*(;|(?=\}))/g, ' ').replace(/(?<=[{;])\s*gap\s*:[^;{}]*(;|(?=\}))/g, ' ');
}

t.test('every page', { skip: chromiumMissing }, async (t) => {
  const { server, browser } = await startServerAndBrowser(t.teardown, { APP_TODAY: '2026-11-20' });
  const { db, config } = server;
  const resident = await demoResident(db);
  const account = await accountId(db, '7700000010');
  const cold = await meterOf(db, '7700000010', 'cold_water');
  const staffId = async (email: string) => (await db.selectFrom('staff').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;

  const tours = [
    { who: 'a visitor', cookie: null, paths: ['/', '/login', '/register', '/password-reset', '/help', '/contacts', '/privacy', '/terms', '/admin/login'] },
    {
      who: 'a resident',
      cookie: await sessionCookie(db, config, { residentId: resident.id }),
      paths: ['/', '/services', '/services/utilities/new', '/readings', `/readings/accounts/${account}`, `/readings/meters/${cold.id}`, `/dwelling/${account}`,
        '/identity', '/co-owners', `/co-owners/accounts/${account}/invitations/new`, '/profile', '/profile/phone'],
    },
    {
      who: 'a moderator',
      cookie: await sessionCookie(db, config, { staffId: await staffId('moderator@demo.local') }),
      paths: ['/admin', '/admin/documents', '/admin/link-requests', '/admin/accounts', `/admin/accounts/${account}`, '/admin/account/totp'],
    },
    { who: 'an admin', cookie: await sessionCookie(db, config, { staffId: await staffId('admin@demo.local') }), paths: ['/admin/staff', '/admin/staff/new', '/admin/audit'] },
  ];

  for (const tour of tours) {
    t.test(tour.who, async (t) => {
      const context = await newContext(browser, true);
      t.teardown(() => context.close());
      if (tour.cookie) await context.addCookies([{ ...tour.cookie, url: server.url }]);
      const page = await context.newPage();
      for (const path of tour.paths) {
        const response = await page.goto(`${server.url}${path}`);
        t.equal(response?.status(), 200, `${path} opens`);
        t.equal(new URL(page.url()).pathname, path.split('?')[0], `${path} is not a redirect`);
        const html = await response!.body();
        t.ok(html.length + CSS.length < MAX_PAGE_BYTES, `${path}: HTML ${html.length} + CSS ${CSS.length} bytes, under 60 KB`);
        const scripts = await page.locator('script').evaluateAll((list) => list.map((s) => (s as HTMLScriptElement).getAttribute('src') ?? 'inline'));
        t.same(scripts, ['/vendor/htmx/htmx.min.js'], `${path}: no script but our own htmx`);
        await checkPage(t, page, `${tour.who}: ${path}`);
      }
    });
  }

  t.test('without CSS custom properties and flexbox gap, colours and spacing hold', async (t) => {
    const context = await newContext(browser, false);
    t.teardown(() => context.close());
    const stripped = oldBrowserCss(CSS);
    t.notMatch(stripped, /var\(|[{;\s]gap\s*:/, 'the stylesheet really lost them');
    await context.route('**/public/css/app.css', (route) => route.fulfill({ contentType: 'text/css', body: stripped }));
    await context.addCookies([{ ...(await sessionCookie(db, config, { residentId: resident.id })), url: server.url }]);
    const page = await context.newPage();

    await page.goto(`${server.url}/`);
    const colours = await page.evaluate(() => ({
      text: getComputedStyle(document.body).color,
      header: getComputedStyle(document.querySelector('.site-header')!).backgroundColor,
      link: getComputedStyle(document.querySelector('main a')!).color,
      footer: getComputedStyle(document.querySelector('.site-footer')!).backgroundColor,
    }));
    t.same(colours, { text: 'rgb(27, 31, 36)', header: 'rgb(11, 92, 171)', link: 'rgb(11, 92, 171)', footer: 'rgb(243, 245, 247)' });
    const navGaps = await page.locator('.site-nav li').evaluateAll((items) =>
      items.slice(1).map((item, i) => item.getBoundingClientRect().left - items[i]!.getBoundingClientRect().right),
    );
    t.ok(navGaps.length >= 5 && navGaps.every((gap) => gap >= 8), `sections stay apart: ${navGaps.join(', ')} px`);

    await page.goto(`${server.url}/services/utilities/new`);
    const choice = await page.evaluate(() => {
      const box = document.querySelector('#consent')!.getBoundingClientRect();
      const label = document.querySelector('label[for="consent"]')!.getBoundingClientRect();
      const button = getComputedStyle(document.querySelector('main button.button')!);
      return { space: label.left - box.right, button: [button.backgroundColor, button.color] };
    });
    t.ok(choice.space >= 4, `a checkbox and its label stay apart: ${choice.space} px`);
    t.same(choice.button, ['rgb(11, 92, 171)', 'rgb(255, 255, 255)'], 'buttons keep their colours');
  });
});
