import t from 'tap';
import * as oidc from 'openid-client';
import { DEMO_PROVIDER } from '../../../src/features/accounts/seed.js';
import { OTHER_CLIENT } from '../../../src/features/esia/sandbox/provider.js';
import { hashPassword } from '../../../src/security/passwords.js';
import type { Db } from '../../../src/db/index.js';
import { HttpAgent, answerSandbox, last, listeningApp, toSandboxSignIn, type HttpResponse } from '../../fixtures/esia.js';
import { sessionCookie } from '../../fixtures/sessions.js';

// The whole Госуслуги flow over real HTTP: the cabinet's OpenID client talks to the
// sandbox ЕСИА (oidc-provider) mounted in the same server, as it would to ЕСИА.

const IVANOV = '1000000101'; // confirmed
const SMIRNOVA = '1000000102'; // confirmed
const PETROV = '1000000201'; // standard
const SIDOROVA = '1000000301'; // simplified

async function count(db: Db, table: 'residents' | 'esia_links'): Promise<number> {
  const row = await db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

function callbackUrl(response: HttpResponse): URL {
  return new URL(response.location!, response.url);
}

t.test('Госуслуги (ЕСИА) against the sandbox over HTTP', async (t) => {
  const { db, url, config } = await listeningApp(t.teardown, { seed: true, redis: false });
  const provider = await db.selectFrom('providers').select('id').where('name', '=', DEMO_PROVIDER).executeTakeFirstOrThrow();

  /** Through ЕСИА as a test person, back to the cabinet; returns the cabinet's answer to the callback, followed. */
  async function throughEsia(agent: HttpAgent, person: string, from = '/login', startPath = '/login/esia') {
    const { action } = await toSandboxSignIn(agent, from, startPath);
    const { callback } = await answerSandbox(agent, action, { person });
    return agent.follow(await agent.get(callbackUrl(callback).href));
  }

  t.test('the buttons are on /login and /register, as plain forms', async (t) => {
    const agent = new HttpAgent(url);
    const login = await agent.get('/login');
    t.match(login.body, /<form class="esia-sign-in" method="post" action="\/login\/esia" hx-boost="false">/);
    t.match(login.body, '>Войти через Госуслуги</button>');
    const register = await agent.get('/register');
    t.match(register.body, '>Зарегистрироваться через Госуслуги</button>');
    const start = await agent.post('/login/esia', { next: '/' });
    t.equal(start.status, 303);
    const authorize = new URL(start.location!);
    t.equal(authorize.origin + authorize.pathname, `${url}/sandbox-esia/auth`);
    t.equal(authorize.searchParams.get('code_challenge_method'), 'S256', 'PKCE');
    t.ok(authorize.searchParams.get('state'), 'state');
    t.ok(authorize.searchParams.get('nonce'), 'nonce');
    t.equal(authorize.searchParams.get('scope'), 'openid fullname birthdate snils id_doc email mobile');
    t.match(start.location, /%2Flogin%2Fesia%2Fcallback/);
  });

  t.test('sign-up as a confirmed person: «Подтверждена» at once, no email link, no code; an account link can be filed', async (t) => {
    const agent = new HttpAgent(url);
    const hops = await throughEsia(agent, IVANOV, '/register');
    const page = last(hops);
    t.equal(new URL(page.url).pathname, '/register/esia');
    t.match(page.body, 'Иванов Иван Иванович');
    t.match(page.body, '12.04.1985');
    t.match(page.body, '***-***-445 95', 'СНИЛС masked');
    t.notMatch(page.body, '112-233-445', 'the full СНИЛС is not shown');
    t.match(page.body, '45** ***456', 'passport masked');
    t.notMatch(page.body, '123456');
    t.match(page.body, 'Личность будет подтверждена сразу');

    const noTerms = await agent.post('/register/esia', {});
    t.equal(noTerms.status, 422);
    t.match(noTerms.body, 'Чтобы зарегистрироваться, примите условия пользовательского соглашения');

    const created = await agent.post('/register/esia', { terms: 'yes' });
    t.equal(created.status, 303);
    t.equal(created.location, '/');
    const resident = await db.selectFrom('residents').selectAll().where('email', '=', 'ivan.ivanov@esia-sandbox.test').executeTakeFirstOrThrow();
    t.equal(resident.identity_status, 'confirmed');
    t.equal(resident.identity_source, 'esia');
    t.same([resident.last_name, resident.first_name, resident.middle_name, resident.birth_date], ['Иванов', 'Иван', 'Иванович', '1985-04-12']);
    t.equal(resident.phone, '+79161112233');
    t.ok(resident.email_confirmed_at, 'the address counts as confirmed: ЕСИА verified it');
    t.equal(resident.password_hash, null);
    const link = await db.selectFrom('esia_links').selectAll().where('resident_id', '=', resident.id).executeTakeFirstOrThrow();
    t.same([link.subject, link.trust_level, link.snils_masked, link.passport_masked], [IVANOV, 'confirmed', '***-***-445 95', '45** ***456']);
    const mail = await db.selectFrom('sent_messages').select('id').where('recipient', '=', resident.email).execute();
    t.same(mail, [], 'no confirmation email');
    const audit = await db.selectFrom('audit_log').select(['action', 'subject_id']).where('action', '=', 'resident.esia-signed-up').execute();
    t.same(audit, [{ action: 'resident.esia-signed-up', subject_id: String(resident.id) }]);

    const home = await agent.get('/');
    t.match(home.body, 'Подтверждена');
    const form = await agent.get('/services/utilities/new');
    t.match(form.body, 'name="payerCode"', 'the link form is open to a confirmed resident');
    const filed = await agent.post('/services/utilities/new', { payerCode: '7700000001', providerId: String(provider.id), flat: '1', consent: 'yes' });
    t.equal(filed.status, 303);
    t.equal(filed.location, '/services?sent=1');

    const profile = await agent.get('/profile');
    t.match(profile.body, 'Вход через Госуслуги', 'the session list says how the session was signed in');

    t.test('signing in again goes straight in: no password, no one-time code', async (t) => {
      const again = new HttpAgent(url);
      const hops = await throughEsia(again, IVANOV);
      t.equal(new URL(last(hops).url).pathname, '/');
      t.match(last(hops).body, 'Вы вошли как ivan.ivanov@esia-sandbox.test');
      t.notOk(hops.some((h) => new URL(h.url).pathname === '/login/code'));
      t.equal(await count(db, 'esia_links'), 1);
      const signIns = await db.selectFrom('audit_log').select('action').where('action', '=', 'resident.esia-signed-in').execute();
      t.equal(signIns.length, 1);
    });

    t.test('without a password Госуслуги cannot be unlinked', async (t) => {
      const page = await agent.get('/profile/esia');
      t.match(page.body, 'пароль не задан');
      t.notMatch(page.body, 'href="/profile/esia/unlink"');
      const refused = await agent.post('/profile/esia/unlink');
      t.equal(refused.status, 409);
      t.equal(await count(db, 'esia_links'), 1);
    });
  });

  t.test('an address already registered is never linked by itself: refused, nothing created', async (t) => {
    const owner = await db.insertInto('residents')
      .values({ email: 'petr.petrov@esia-sandbox.test', phone: '+79165550009', password_hash: 'x', email_confirmed_at: new Date() })
      .returning('id').executeTakeFirstOrThrow();
    const before = await count(db, 'residents');
    const agent = new HttpAgent(url);
    last(await throughEsia(agent, PETROV, '/register'));
    const refused = await agent.post('/register/esia', { terms: 'yes' });
    t.equal(refused.status, 409);
    t.match(refused.body, 'уже зарегистрирован в кабинете');
    t.match(refused.body, 'привяжите Госуслуги в разделе «Профиль»');
    t.equal(await count(db, 'residents'), before);
    t.equal(await db.selectFrom('esia_links').select('subject').where('subject', '=', PETROV).executeTakeFirst(), undefined);
    t.equal((await agent.get('/profile')).status, 303, 'not signed in');
    await db.deleteFrom('residents').where('id', '=', owner.id).execute();
  });

  for (const [person, level] of [[SIDOROVA, 'упрощённая'], [PETROV, 'стандартная']] as const) {
    t.test(`sign-up as a ${level} person: an account without a confirmed identity, told what is missing`, async (t) => {
      const agent = new HttpAgent(url);
      const page = last(await throughEsia(agent, person, '/register'));
      t.match(page.body, `Ваша учётная запись на Госуслугах — ${level}`);
      const created = await agent.post('/register/esia', { terms: 'yes' });
      t.equal(created.location, '/profile/esia?done=signed-up');
      const told = await agent.get(created.location!);
      t.match(told.body, 'Учётная запись создана');
      t.match(told.body, 'подтвердите личность: загрузите документы в разделе «Подтверждение личности»');
      const resident = await db.selectFrom('esia_links').innerJoin('residents', 'residents.id', 'esia_links.resident_id')
        .select(['identity_status', 'last_name', 'birth_date', 'identity_source']).where('subject', '=', person).executeTakeFirstOrThrow();
      t.same(resident, { identity_status: 'none', last_name: null, birth_date: null, identity_source: null });
      const filed = await agent.post('/services/utilities/new', { payerCode: '7700000001', providerId: String(provider.id), flat: '1', consent: 'yes' });
      t.equal(filed.status, 403, 'linking an account needs a confirmed identity');
    });
  }

  t.test('an existing resident links Госуслуги from «Профиль», signs in with it, and unlinks it', async (t) => {
    const resident = await db.insertInto('residents')
      .values({ email: 'has-password@example.test', phone: '+79165550001', password_hash: await hashPassword('долгий-пароль-123'), email_confirmed_at: new Date() })
      .returning('id').executeTakeFirstOrThrow();
    const cookie = await sessionCookie(db, config, { residentId: resident.id });
    const agent = new HttpAgent(url).setCookie(cookie.name, cookie.value);
    const profile = await agent.get('/profile/esia');
    t.match(profile.body, '>Привязать Госуслуги</button>');
    const hops = await throughEsia(agent, SMIRNOVA, '/profile/esia', '/profile/esia');
    t.equal(new URL(last(hops).url).pathname + new URL(last(hops).url).search, '/profile/esia?done=linked');
    t.match(last(hops).body, 'Госуслуги привязаны');
    t.match(last(hops).body, '***-***-789 64');
    const row = await db.selectFrom('residents').selectAll().where('id', '=', resident.id).executeTakeFirstOrThrow();
    t.same([row.identity_status, row.identity_source, row.last_name], ['confirmed', 'esia', 'Смирнова'], 'the confirmed ЕСИА person confirms the resident');
    t.equal(row.email, 'has-password@example.test', 'the address stays the resident\'s own');

    const viaEsia = new HttpAgent(url);
    const signedIn = last(await throughEsia(viaEsia, SMIRNOVA));
    t.match(signedIn.body, 'Вы вошли как has-password@example.test');

    t.test('the same Госуслуги account cannot be linked to a second resident', async (t) => {
      const other = await db.insertInto('residents').values({ email: 'second@example.test', phone: '+79165550002', password_hash: 'x' }).returning('id').executeTakeFirstOrThrow();
      const otherCookie = await sessionCookie(db, config, { residentId: other.id });
      const second = new HttpAgent(url).setCookie(otherCookie.name, otherCookie.value);
      const answer = last(await throughEsia(second, SMIRNOVA, '/profile/esia', '/profile/esia'));
      t.equal(answer.status, 409);
      t.match(answer.body, 'Госуслуги уже привязаны к другому кабинету');
      t.equal(await db.selectFrom('esia_links').select('resident_id').where('resident_id', '=', other.id).executeTakeFirst(), undefined);
    });

    t.test('unlinking asks first, then works with a password set', async (t) => {
      const confirm = await agent.get('/profile/esia/unlink');
      t.match(confirm.body, '>Отвязать</button>');
      const done = await agent.post('/profile/esia/unlink');
      t.equal(done.location, '/profile/esia?done=unlinked');
      t.equal(await db.selectFrom('esia_links').select('subject').where('resident_id', '=', resident.id).executeTakeFirst(), undefined);
      const actions = await db.selectFrom('audit_log').select('action').where('subject_id', '=', String(resident.id)).orderBy('id').execute();
      t.same(actions.map((a) => a.action), ['resident.esia-linked', 'resident.esia-signed-in', 'resident.esia-unlinked']);
    });
  });

  t.test('«Отказаться» on ЕСИА: told so, nothing created', async (t) => {
    const before = await count(db, 'residents');
    const agent = new HttpAgent(url);
    const { action } = await toSandboxSignIn(agent);
    const { callback } = await answerSandbox(agent, action, { refuse: true });
    t.equal(callbackUrl(callback).searchParams.get('error'), 'access_denied');
    const page = last(await agent.follow(await agent.get(callbackUrl(callback).href)));
    t.equal(page.status, 200);
    t.match(page.body, 'Вход через Госуслуги отменён');
    t.equal(await count(db, 'residents'), before);
  });

  t.test('a forged state is refused with a clear page and nothing created', async (t) => {
    const before = await count(db, 'residents');
    const agent = new HttpAgent(url);
    const { action } = await toSandboxSignIn(agent);
    const { callback } = await answerSandbox(agent, action, { person: IVANOV });
    const forged = callbackUrl(callback);
    forged.searchParams.set('state', 'forged-state-value');
    const page = await agent.get(forged.href);
    t.equal(page.status, 400);
    t.match(page.body, 'Не удалось войти через Госуслуги');
    t.match(page.body, 'Ничего не изменено');
    const genuineAfterwards = await agent.get(callbackUrl(callback).href);
    t.equal(genuineAfterwards.status, 400, 'the flow was used up by the forged attempt');
    t.equal(await count(db, 'residents'), before);
  });

  t.test('a replayed callback and a replayed code are refused', async (t) => {
    const agent = new HttpAgent(url);
    const { action } = await toSandboxSignIn(agent);
    const { callback } = await answerSandbox(agent, action, { person: SMIRNOVA });
    const first = await agent.get(callbackUrl(callback).href);
    t.equal(first.status, 303, 'the genuine callback signs in');
    const before = await count(db, 'residents');
    const replay = await agent.get(callbackUrl(callback).href);
    t.equal(replay.status, 400, 'the same callback again');

    // A new flow of one's own, with the old code pasted in under the new state.
    const fresh = new HttpAgent(url);
    await fresh.get('/login');
    const start = await fresh.post('/login/esia', { next: '/' });
    const state = new URL(start.location!).searchParams.get('state')!;
    const pasted = callbackUrl(callback);
    pasted.searchParams.set('state', state);
    const refused = await fresh.get(pasted.href);
    t.equal(refused.status, 400, 'a code is good once');
    t.match(refused.body, 'Не удалось войти через Госуслуги');
    t.equal(await count(db, 'residents'), before);
  });

  t.test('a code issued to another information system is refused', async (t) => {
    const before = await count(db, 'residents');
    const agent = new HttpAgent(url);
    // Another client of the same ЕСИА asks for a code, as its own page would.
    const verifier = oidc.randomPKCECodeVerifier();
    const authorize = new URL(`${url}/sandbox-esia/auth`);
    authorize.search = new URLSearchParams({
      client_id: OTHER_CLIENT.clientId, response_type: 'code', scope: 'openid fullname',
      redirect_uri: `${url}/sandbox-esia/other-service/callback`, state: 'other-state', nonce: 'other-nonce',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    }).toString();
    const page = last(await agent.follow(await agent.get(authorize.href)));
    t.match(page.body, 'Другая информационная система');
    const action = /<form class="inline-form" method="post" action="([^"]+)"/.exec(page.body)![1]!;
    let answer = await agent.post(action, { person: IVANOV });
    while (answer.location && !answer.location.includes('/other-service/callback')) answer = await agent.get(new URL(answer.location, answer.url).href);
    const otherCode = new URL(answer.location!).searchParams.get('code');
    t.ok(otherCode, 'the other service got its code');

    // The victim's browser starts a genuine sign-in; the attacker's code comes back under its state.
    await agent.get('/login');
    const start = await agent.post('/login/esia', { next: '/' });
    const state = new URL(start.location!).searchParams.get('state')!;
    const injected = new URL(`${url}/login/esia/callback`);
    injected.search = new URLSearchParams({ code: otherCode!, state, iss: `${url}/sandbox-esia` }).toString();
    const refused = await agent.get(injected.href);
    t.equal(refused.status, 400);
    t.match(refused.body, 'Не удалось войти через Госуслуги');
    t.equal(await count(db, 'residents'), before);
  });

  t.test('a callback with no flow started is refused and no session is made for it', async (t) => {
    const agent = new HttpAgent(url);
    const page = await agent.get('/login/esia/callback?code=abc&state=def');
    t.equal(page.status, 400);
    t.match(page.body, 'Начните вход заново');
  });
});
