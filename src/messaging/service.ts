import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { enqueueJob } from '../jobs/outbox.js';
import type { JobContext, JobDefinition } from '../jobs/types.js';
import type { Email, Sms } from './transports.js';

type Message = ({ channel: 'email' } & Email) | ({ channel: 'sms' } & Sms);

export function sendEmailLater(trx: Transaction<Database>, email: Email): Promise<number> {
  return enqueueJob(trx, sendMessageJob.name, { channel: 'email', ...email } satisfies Message);
}

export function sendSmsLater(trx: Transaction<Database>, sms: Sms): Promise<number> {
  return enqueueJob(trx, sendMessageJob.name, { channel: 'sms', ...sms } satisfies Message);
}

/**
 * Records the message, sends it, marks it sent. Safe to run twice: the record is
 * keyed by the outbox row, and a message already marked sent is not sent again.
 */
export async function sendMessage(message: Message, ctx: JobContext): Promise<void> {
  const values = {
    outbox_id: ctx.outboxId ?? null,
    channel: message.channel,
    recipient: message.to,
    subject: message.channel === 'email' ? message.subject : null,
    text: message.text,
    html: message.channel === 'email' ? (message.html ?? null) : null,
  };
  const record =
    (await ctx.db
      .insertInto('sent_messages')
      .values(values)
      .onConflict((oc) => oc.column('outbox_id').doNothing())
      .returning(['id', 'status'])
      .executeTakeFirst()) ??
    (await ctx.db
      .selectFrom('sent_messages')
      .select(['id', 'status'])
      .where('outbox_id', '=', values.outbox_id)
      .executeTakeFirstOrThrow());
  if (record.status === 'sent') return;

  if (message.channel === 'email') await ctx.transports.sendEmail(message);
  else await ctx.transports.sendSms(message);

  const sentAt = ctx.clock.now();
  // In production nothing keeps a sent code or link readable: a code read from the
  // table or the outbox could still finish a sign-in. The dev mailbox shows them elsewhere.
  const erase = ctx.config.isProduction ? { text: ERASED_AFTER_SENDING, html: null, erased_at: sentAt } : {};
  await ctx.db
    .updateTable('sent_messages')
    .set({ status: 'sent', sent_at: sentAt, ...erase })
    .where('id', '=', record.id)
    .execute();
  if (ctx.config.isProduction && ctx.outboxId !== undefined) {
    await ctx.db.updateTable('outbox').set({ payload: '{}', payload_erased_at: sentAt }).where('id', '=', ctx.outboxId).execute();
  }
}

export const ERASED_AFTER_SENDING = '[текст удалён после отправки]';

export const sendMessageJob: JobDefinition<Message> = { name: 'send-message', handle: sendMessage };

export const ERASED_TEXT = '[текст удалён по сроку хранения]';

/**
 * Erases what the codes and links of old messages could be read from: the body of
 * each message sent more than `messageRetentionDays` ago, and the payload of each
 * outbox row finished as long ago. The record that a message went out stays.
 */
export async function eraseOldMessages(ctx: Pick<JobContext, 'db' | 'clock' | 'config'>): Promise<{ messages: number; payloads: number }> {
  const now = ctx.clock.now();
  const before = new Date(now.getTime() - ctx.config.messageRetentionDays * 24 * 3600_000);
  const messages = await ctx.db
    .updateTable('sent_messages')
    .set({ text: ERASED_TEXT, html: null, erased_at: now })
    .where('erased_at', 'is', null)
    .where('sent_at', '<', before)
    .executeTakeFirst();
  // The runner stamps outbox rows with the database's time, not the app's clock (which
  // APP_TODAY moves outside production), so their age is measured in the same time.
  const payloads = await ctx.db
    .updateTable('outbox')
    .set({ payload: '{}', payload_erased_at: now })
    .where('payload_erased_at', 'is', null)
    .where('status', 'in', ['done', 'failed'])
    .where('finished_at', '<', sql<Date>`now() - make_interval(days => ${ctx.config.messageRetentionDays})`)
    .executeTakeFirst();
  return { messages: Number(messages.numUpdatedRows), payloads: Number(payloads.numUpdatedRows) };
}

export const eraseOldMessagesJob: JobDefinition = {
  name: 'erase-old-messages',
  every: 3600_000,
  handle: async (_payload, ctx) => {
    await eraseOldMessages(ctx);
  },
};
