import type { Transporter } from 'nodemailer';
import type { Config } from '../config.js';

export type Email = { to: string; subject: string; text: string; html?: string };
export type Sms = { to: string; text: string };

/**
 * The edges through which messages leave. Without SMTP_URL or SMS_GATEWAY_URL a
 * message is only recorded in sent_messages (and shown at /dev/mailbox).
 */
export type Transports = {
  sendEmail(email: Email): Promise<void>;
  sendSms(sms: Sms): Promise<void>;
};

export function createTransports(config: Config): Transports {
  const smtpUrl = config.smtpUrl;
  // nodemailer is loaded with the first email: without SMTP_URL (tests, the demo) never.
  let mailer: Promise<Transporter> | undefined;
  return {
    async sendEmail(email) {
      if (!smtpUrl) return;
      // Every send ends well inside the outbox's one-minute reclaim (nodemailer would wait up to ten
      // minutes on a silent server), so a message still being sent is never handed out a second time.
      mailer ??= import('nodemailer').then(({ default: nodemailer }) =>
        nodemailer.createTransport({ url: smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 }),
      );
      await (await mailer).sendMail({ from: config.mailFrom, ...email });
    },
    async sendSms(sms) {
      if (!config.smsGatewayUrl) return;
      const response = await fetch(config.smsGatewayUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(config.smsGatewayToken ? { authorization: `Bearer ${config.smsGatewayToken}` } : {}),
        },
        body: JSON.stringify({ to: sms.to, text: sms.text }),
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) throw new Error(`SMS gateway answered ${response.status}`);
    },
  };
}
