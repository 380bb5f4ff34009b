import type { Db } from '../../db/index.js';

export type MailboxMessage = {
  id: number;
  channel: 'email' | 'sms';
  recipient: string;
  subject: string | null;
  text: string;
  createdAt: Date;
};

const columns = ['id', 'channel', 'recipient', 'subject', 'text', 'created_at'] as const;

function toMessage(row: { id: number; channel: 'email' | 'sms'; recipient: string; subject: string | null; text: string; created_at: Date }): MailboxMessage {
  return { id: row.id, channel: row.channel, recipient: row.recipient, subject: row.subject, text: row.text, createdAt: row.created_at };
}

export async function newestMessages(db: Db, limit = 50): Promise<MailboxMessage[]> {
  const rows = await db.selectFrom('sent_messages').select(columns).orderBy('id', 'desc').limit(limit).execute();
  return rows.map(toMessage);
}

export async function findMessage(db: Db, id: number): Promise<MailboxMessage | undefined> {
  const row = await db.selectFrom('sent_messages').select(columns).where('id', '=', id).executeTakeFirst();
  return row && toMessage(row);
}
