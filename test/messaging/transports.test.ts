import t from 'tap';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { loadConfig } from '../../src/config.js';
import { createTransports } from '../../src/messaging/transports.js';

// The transports against real protocol peers on loopback: an SMTP server and an HTTP
// SMS gateway. Without SMTP_URL / SMS_GATEWAY_URL messages are only recorded.

const baseEnv = { NODE_ENV: 'test', SESSION_SECRET: 'x'.repeat(40), MAIL_FROM: 'ЖКУ <no-reply@zhku.test>' };

t.test('email goes out over SMTP with the text and HTML parts', async (t) => {
  const received: { from: string; to: string[]; data: string }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      let data = '';
      stream.on('data', (chunk) => (data += chunk));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          data,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.server.address() as AddressInfo;

  const transports = createTransports(loadConfig({ ...baseEnv, SMTP_URL: `smtp://127.0.0.1:${port}` }));
  await transports.sendEmail({ to: 'anna@example.ru', subject: 'Подтвердите адрес', text: 'Ссылка внутри', html: '<p>Ссылка внутри</p>' });
  t.equal(received.length, 1);
  t.equal(received[0]!.from, 'no-reply@zhku.test');
  t.same(received[0]!.to, ['anna@example.ru']);
  t.match(received[0]!.data, /multipart\/alternative/);
  t.match(received[0]!.data, /text\/html/);
});

t.test('an SMS goes to the gateway as JSON with the bearer token; a refusal is an error', async (t) => {
  const requests: { auth?: string; body: unknown }[] = [];
  let status = 200;
  const gateway = createServer((request: IncomingMessage, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      requests.push({ auth: request.headers.authorization, body: JSON.parse(body) });
      response.statusCode = status;
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => gateway.close(() => resolve())));
  const { port } = gateway.address() as AddressInfo;

  const transports = createTransports(
    loadConfig({ ...baseEnv, SMS_GATEWAY_URL: `http://127.0.0.1:${port}/send`, SMS_GATEWAY_TOKEN: 'gw-token' }),
  );
  await transports.sendSms({ to: '+79161234567', text: 'Код: 123456' });
  t.same(requests, [{ auth: 'Bearer gw-token', body: { to: '+79161234567', text: 'Код: 123456' } }]);

  status = 503;
  await t.rejects(transports.sendSms({ to: '+79161234567', text: 'Код: 654321' }), /SMS gateway answered 503/);
});

t.test('without SMTP or a gateway nothing leaves the machine', async (t) => {
  const transports = createTransports(loadConfig(baseEnv));
  await t.resolves(transports.sendEmail({ to: 'a@example.ru', subject: 's', text: 't' }));
  await t.resolves(transports.sendSms({ to: '+79160000000', text: 't' }));
});
