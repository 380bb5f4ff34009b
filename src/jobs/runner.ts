import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { listenerFor, type Db, type Listen } from '../db/index.js';
import type { OutboxRow } from '../db/schema.js';
import type { JobContext, JobDefinition } from './types.js';
import { BACKOFF_BASE_MS, MAX_ATTEMPTS, backoffDelayMs } from './retry.js';

export type JobRunnerOptions = {
  db: Db;
  definitions: JobDefinition[];
  context: Omit<JobContext, 'outboxId'>;
  /** With Redis, outbox rows go to BullMQ; without it the relay runs them itself. */
  redisUrl?: string;
  queuePrefix?: string;
  /** Start BullMQ workers in this process (the worker command, or WORKERS=inline). */
  runWorkers?: boolean;
  intervalMs?: number;
  backoffBaseMs?: number;
  maxAttempts?: number;
  /** How to LISTEN for new rows; by default the database's own (null: poll every intervalMs). */
  listen?: Listen | null;
  /** A row handed over longer ago than this and still not finished is handed over again. */
  staleAfterMs?: number;
};

const QUEUE_NAME = 'jobs';
const BATCH = 50;
// A message in flight when a process died goes out again within a minute of the next relay
// (a sign-in code lives ten); transports give up well before that, so a live send is never doubled.
const STALE_AFTER_MS = 60_000;
// An idle relay still looks once a minute, in case a notification was lost with its connection.
const IDLE_SWEEP_MS = 60_000;

/**
 * The transactional outbox relay and, optionally, the workers. One code path for
 * both modes: a row is claimed, then either handed to BullMQ (jobId = outbox id,
 * so a second hand-over is a no-op) or run here with the same retry rules.
 */
export class JobRunner {
  private readonly byName: Map<string, JobDefinition>;
  private readonly backoffBaseMs: number;
  private readonly maxAttempts: number;
  private connection?: Redis;
  private workerConnection?: Redis;
  private queue?: Queue;
  private worker?: Worker;
  private timer?: NodeJS.Timeout;
  private stopListening?: () => Promise<void>;
  /** Woken by NOTIFY on new rows: no need to look at the table while nothing happens. */
  private listening = false;
  private passUnderWay = false;
  private wokenDuringPass = false;
  private scheduleTimers: NodeJS.Timeout[] = [];
  /** Recurring runs under way (in-process mode), which close() waits for. */
  private recurringRuns = new Set<Promise<void>>();
  private running?: Promise<unknown>;
  private closed = false;

  constructor(private readonly options: JobRunnerOptions) {
    this.byName = new Map(options.definitions.map((d) => [d.name, d]));
    this.backoffBaseMs = options.backoffBaseMs ?? BACKOFF_BASE_MS;
    this.maxAttempts = options.maxAttempts ?? MAX_ATTEMPTS;
  }

  get usesQueue(): boolean {
    return this.options.redisUrl !== undefined;
  }

  async start({ relay = true }: { relay?: boolean } = {}): Promise<void> {
    if (this.options.redisUrl) {
      this.connection = new Redis(this.options.redisUrl, { maxRetriesPerRequest: null });
      const prefix = this.options.queuePrefix ?? 'zhku';
      this.queue = new Queue(QUEUE_NAME, { connection: this.connection, prefix });
      if (this.options.runWorkers) {
        this.workerConnection = this.connection.duplicate({ maxRetriesPerRequest: null });
        this.worker = new Worker(QUEUE_NAME, (job) => this.process(job), {
          connection: this.workerConnection,
          prefix,
          settings: { backoffStrategy: (attemptsMade: number) => backoffDelayMs(attemptsMade, this.backoffBaseMs) },
        });
        this.worker.on('failed', (job, error) => void this.onQueueFailure(job, error));
        this.worker.on('error', (error) => this.options.context.log.error({ err: error }, 'job worker error'));
      }
      for (const definition of this.recurring()) {
        await this.queue.upsertJobScheduler(`schedule-${definition.name}`, { every: definition.every! }, { name: definition.name });
      }
    } else {
      for (const definition of this.recurring()) {
        this.scheduleTimers.push(
          setInterval(() => {
            const run = this.runRecurring(definition).finally(() => this.recurringRuns.delete(run));
            this.recurringRuns.add(run);
          }, definition.every!),
        );
      }
    }
    if (relay) {
      await this.listenForNewRows();
      this.scheduleRelay(0);
    }
  }

  private recurring(): JobDefinition[] {
    return this.options.definitions.filter((d) => d.every !== undefined);
  }

  /**
   * Each commit that adds outbox rows sends NOTIFY outbox (migration 0080). Without a
   * way to listen, or once the listening connection fails, the relay polls every
   * `intervalMs` as before.
   */
  private async listenForNewRows(): Promise<void> {
    const listen = this.options.listen === undefined ? listenerFor(this.options.db) : this.options.listen;
    if (!listen) return;
    const log = this.options.context.log;
    try {
      this.stopListening = await listen('outbox', () => this.wake(), (error) => {
        log.error({ err: error }, 'outbox LISTEN connection failed; the relay polls instead');
        this.listening = false;
        if (!this.passUnderWay) this.scheduleRelay(0);
      });
      this.listening = true;
    } catch (error) {
      log.error({ err: error }, 'could not LISTEN for outbox rows; the relay polls instead');
    }
  }

  private wake(): void {
    if (this.closed) return;
    if (this.passUnderWay) this.wokenDuringPass = true;
    else this.scheduleRelay(0);
  }

  private scheduleRelay(delayMs: number): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.relayPass(), delayMs);
  }

  private async relayPass(): Promise<void> {
    const intervalMs = this.options.intervalMs ?? 200;
    this.passUnderWay = true;
    this.wokenDuringPass = false;
    let nextMs = intervalMs;
    this.running = (async () => {
      try {
        const handled = await this.relayOnce();
        // A full batch may have left more; otherwise sleep until woken or a row falls due.
        if (handled === 0 && this.listening) nextMs = await this.idleDelayMs(intervalMs);
      } catch (error) {
        this.options.context.log.error({ err: error }, 'outbox relay failed');
      }
    })();
    await this.running;
    this.passUnderWay = false;
    this.scheduleRelay(this.wokenDuringPass ? 0 : nextMs);
  }

  /**
   * How long an idle relay may sleep: until the next retry falls due or a row handed
   * out becomes stale, at most IDLE_SWEEP_MS (NOTIFY wakes it for anything new).
   */
  private async idleDelayMs(intervalMs: number): Promise<number> {
    const staleAfterMs = this.options.staleAfterMs ?? STALE_AFTER_MS;
    const { rows } = await sql<{ ms: number | null }>`
      select (extract(epoch from least(
        (select min(available_at) from outbox where status = 'pending'),
        (select min(dispatched_at) from outbox where status = 'dispatched') + ${staleAfterMs} * interval '1 millisecond'
      ) - now()) * 1000)::float8 as ms`.execute(this.options.db);
    const dueInMs = rows[0]?.ms ?? IDLE_SWEEP_MS;
    return Math.min(IDLE_SWEEP_MS, Math.max(intervalMs, Math.ceil(dueInMs)));
  }

  /** Moves due outbox rows on (or runs them, without a queue). Returns how many it handled. */
  async relayOnce(): Promise<number> {
    await this.reclaimStaleRows();
    return this.queue ? this.relayToQueue() : this.runDueRows();
  }

  /**
   * A process that died mid-job (or a Redis that lost its queue) leaves a row
   * 'dispatched' for ever; after a while it goes round again. Handlers are safe
   * to run twice, and BullMQ ignores a second hand-over of a job it still has.
   */
  private async reclaimStaleRows(): Promise<void> {
    const staleAfterMs = this.options.staleAfterMs ?? STALE_AFTER_MS;
    await this.options.db
      .updateTable('outbox')
      .set({ status: 'pending', available_at: sql<Date>`now()` })
      .where('status', '=', 'dispatched')
      .where('dispatched_at', '<', sql<Date>`now() - ${staleAfterMs} * interval '1 millisecond'`)
      .execute();
  }

  private async relayToQueue(): Promise<number> {
    const queue = this.queue!;
    return this.options.db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('outbox')
        .selectAll()
        .where('status', '=', 'pending')
        .where('available_at', '<=', sql<Date>`now()`)
        .orderBy('id')
        .limit(BATCH)
        .forUpdate()
        .skipLocked()
        .execute();
      if (rows.length === 0) return 0;
      await queue.addBulk(
        rows.map((row) => ({
          name: row.job,
          data: { outboxId: row.id, payload: row.payload },
          opts: {
            jobId: `outbox-${row.id}`,
            attempts: this.maxAttempts,
            backoff: { type: 'custom' },
            removeOnComplete: { age: 24 * 3600 },
            removeOnFail: { age: 7 * 24 * 3600 },
          },
        })),
      );
      await trx
        .updateTable('outbox')
        .set({ status: 'dispatched', dispatched_at: sql<Date>`now()` })
        .where('id', 'in', rows.map((r) => r.id))
        .execute();
      return rows.length;
    });
  }

  private async runDueRows(): Promise<number> {
    let handled = 0;
    // On shutdown the job in hand finishes; the rest wait for the next process.
    while (!this.closed) {
      const row = await this.claimDueRow();
      if (!row) return handled;
      handled += 1;
      try {
        await this.runHandler(row.job, row.payload, row.id);
        await this.markDone(row.id);
      } catch (error) {
        const attempts = row.attempts + 1;
        const failed = attempts >= this.maxAttempts;
        this.options.context.log.error({ err: error, job: row.job, outboxId: row.id, attempts }, 'job failed');
        await this.options.db
          .updateTable('outbox')
          .set({
            attempts,
            status: failed ? 'failed' : 'pending',
            last_error: errorText(error),
            available_at: new Date(Date.now() + backoffDelayMs(attempts, this.backoffBaseMs)),
            finished_at: failed ? sql<Date>`now()` : null,
          })
          .where('id', '=', row.id)
          .execute();
      }
    }
    return handled;
  }

  private async claimDueRow(): Promise<OutboxRow | undefined> {
    return this.options.db
      .updateTable('outbox')
      .set({ status: 'dispatched', dispatched_at: sql<Date>`now()` })
      .where('id', '=', (eb) =>
        eb
          .selectFrom('outbox')
          .select('id')
          .where('status', '=', 'pending')
          .where('available_at', '<=', sql<Date>`now()`)
          .orderBy('id')
          .limit(1)
          .forUpdate()
          .skipLocked(),
      )
      .returningAll()
      .executeTakeFirst();
  }

  private async process(job: Job): Promise<void> {
    const outboxId: number | undefined = job.data?.outboxId;
    if (outboxId === undefined) {
      await this.runHandler(job.name, {}, undefined);
      return;
    }
    const row = await this.options.db.selectFrom('outbox').select(['status']).where('id', '=', outboxId).executeTakeFirst();
    if (!row || row.status === 'done') return; // already ran: a duplicate delivery does nothing
    await this.options.db.updateTable('outbox').set({ attempts: job.attemptsMade + 1 }).where('id', '=', outboxId).execute();
    await this.runHandler(job.name, job.data.payload, outboxId);
    await this.markDone(outboxId);
    // The finished job stays in Redis for a day; the codes and links in its payload need not.
    await job.updateData({ outboxId });
  }

  private async onQueueFailure(job: Job | undefined, error: Error): Promise<void> {
    this.options.context.log.error({ err: error, job: job?.name, attempts: job?.attemptsMade }, 'job failed');
    const outboxId: number | undefined = job?.data?.outboxId;
    if (!job || outboxId === undefined) return;
    const final = job.attemptsMade >= (job.opts.attempts ?? 1);
    await this.options.db
      .updateTable('outbox')
      .set(final ? { status: 'failed', last_error: errorText(error), finished_at: sql<Date>`now()` } : { last_error: errorText(error) })
      .where('id', '=', outboxId)
      .where('status', '!=', 'done')
      .execute()
      .catch((e) => this.options.context.log.error({ err: e }, 'could not record a job failure'));
  }

  private async runRecurring(definition: JobDefinition): Promise<void> {
    try {
      await this.runHandler(definition.name, {}, undefined);
    } catch (error) {
      this.options.context.log.error({ err: error, job: definition.name }, 'recurring job failed');
    }
  }

  private async runHandler(name: string, payload: unknown, outboxId: number | undefined): Promise<void> {
    const definition = this.byName.get(name);
    if (!definition) throw new Error(`no handler for job "${name}"`);
    await definition.handle(payload, { ...this.options.context, outboxId });
  }

  private async markDone(outboxId: number): Promise<void> {
    await this.options.db
      .updateTable('outbox')
      .set({ status: 'done', finished_at: sql<Date>`now()`, last_error: null })
      .where('id', '=', outboxId)
      .execute();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.stopListening?.().catch(() => undefined);
    this.scheduleTimers.forEach(clearInterval);
    await this.running;
    // The database closes after this: a clean-up job must not be cut off halfway.
    await Promise.all(this.recurringRuns);
    await this.worker?.close();
    await this.queue?.close();
    await this.workerConnection?.quit();
    await this.connection?.quit();
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
