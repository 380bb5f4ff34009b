import t from 'tap';
import { Agent, testApp } from '../fixtures/app.js';

t.test('help, contacts and the privacy policy are public, linked from the footer and from the consent boxes', async (t) => {
  const { app } = await testApp(t.teardown, { redis: false });
  const visitor = new Agent(app);
  const pages = [
    ['/help', 'Помощь'],
    ['/contacts', 'Контакты'],
    ['/privacy', 'Политика обработки персональных данных'],
  ] as const;
  const home = await visitor.get('/');
  for (const [href, title] of pages) {
    const page = await visitor.get(href);
    t.equal(page.statusCode, 200, href);
    t.match(page.body, `<h1>${title}</h1>`);
    t.match(page.body, `<title>${title} — Личный кабинет ЖКУ</title>`);
    t.match(home.body, `<a href="${href}">${title}</a>`, `the footer links to ${href}`);
  }

  const help = await visitor.get('/help');
  t.match(help.body, /<img src="\/public\/img\/epd-payer-code\.svg"[^>]*alt="Образец единого платёжного документа[^"]*Код плательщика/, 'the picture has a text alternative');
  const picture = await visitor.get('/public/img/epd-payer-code.svg');
  t.equal(picture.statusCode, 200);
  t.match(picture.headers['content-type'], /image\/svg\+xml/);
  t.match(picture.body, 'Код плательщика');

  const register = await visitor.get('/register');
  t.match(register.body, /id="terms-hint">[^<]*<a href="\/privacy">Политике обработки персональных данных<\/a>/);
  t.match(register.body, /id="terms"[^>]*aria-describedby="terms-hint"/, 'the hint with the link is tied to the box');
});
