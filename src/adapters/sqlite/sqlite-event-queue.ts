import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type {
  DeadLetter,
  EventQueue,
  QueueDepth,
  QueuedEvent,
  ReceiveOptions,
} from '../../ports/event-queue.ts';
import type { GroupCommit } from './group-commit.ts';
import { OutboxWriter } from './outbox.ts';
import { ReservationLog } from './reservation-log.ts';

/**
 * Two sources read as one queue: the `reservation.created` events, which are
 * the reservation rows themselves past the order projection's cursor
 * (`ReservationLog`, ids `c<seq>`), and the outbox table for every other
 * event and for created events that failed once (numeric ids). One process
 * owns the embedded store and its worker settles what it received before it
 * receives again, so receiving needs no lease: an event stays until it is
 * acked, rescheduled or dead-lettered, and a killed process finds it again on
 * restart.
 */
export class SqliteEventQueue implements EventQueue {
  readonly #writes: GroupCommit;
  readonly #outbox: OutboxWriter;
  readonly #log: ReservationLog;
  readonly #sql: Record<
    'due' | 'ack' | 'retry' | 'take' | 'bury' | 'dead' | 'deadOne' | 'unbury' | 'depth' | 'oldest',
    StatementSync
  >;

  constructor(db: DatabaseSync, writes: GroupCommit, log: ReservationLog) {
    this.#writes = writes;
    this.#outbox = new OutboxWriter(db);
    this.#log = log;
    this.#sql = {
      due: db.prepare(
        'SELECT id, topic, body, attempts FROM outbox WHERE available_at <= ? ORDER BY id LIMIT ?',
      ),
      ack: db.prepare('DELETE FROM outbox WHERE id = ?'),
      retry: db.prepare(
        'UPDATE outbox SET attempts = attempts + 1, last_error = ?, available_at = ? WHERE id = ?',
      ),
      take: db.prepare('DELETE FROM outbox WHERE id = ? RETURNING topic, body, attempts'),
      bury: db.prepare(
        'INSERT INTO dead_letters (id, topic, body, attempts, last_error, failed_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      dead: db.prepare('SELECT * FROM dead_letters ORDER BY failed_at, id LIMIT ?'),
      deadOne: db.prepare('DELETE FROM dead_letters WHERE id = ? RETURNING topic, body'),
      unbury: db.prepare(
        'INSERT INTO outbox (id, topic, body, attempts, available_at, created_at) VALUES (?, ?, ?, 0, ?, ?)',
      ),
      oldest: db.prepare('SELECT MIN(created_at) AS at FROM outbox'),
      depth: db.prepare(
        'SELECT (SELECT COUNT(*) FROM outbox) AS pending, (SELECT COUNT(*) FROM dead_letters) AS dead, (SELECT MIN(created_at) FROM outbox) AS oldest',
      ),
    };
  }

  publish(topic: string, body: string, now: number): Promise<string> {
    return this.#writes.write(() => this.#outbox.append(topic, body, now));
  }

  async receive(max: number, now: number, options?: ReceiveOptions): Promise<QueuedEvent[]> {
    const events: QueuedEvent[] = this.#sql.due.all(now, max).map((row) => ({
      id: String(row.id),
      topic: row.topic as string,
      body: row.body as string,
      attempts: row.attempts as number,
    }));
    // The rows past the cursor are the projection's, unless it failed: then they come one by one, with retries.
    if (options?.leaveToProjection !== true && events.length < max)
      events.push(...this.#log.unhandled(max - events.length));
    return events;
  }

  async ack(id: string): Promise<void> {
    const seq = ReservationLog.seqOf(id);
    await this.#writes.write(() => {
      if (seq === undefined) this.#sql.ack.run(Number(id));
      else this.#log.handled(seq);
    });
  }

  async retryLater(id: string, error: string, at: number): Promise<void> {
    await this.#writes.write(() => this.#sql.retry.run(error, at, this.#outboxId(id, at)));
  }

  deadLetter(id: string, error: string, now: number): Promise<void> {
    return this.#writes.write(() => {
      const outboxId = this.#outboxId(id, now);
      const row = this.#sql.take.get(outboxId);
      if (row === undefined) return;
      this.#sql.bury.run(
        outboxId,
        row.topic as string,
        row.body as string,
        (row.attempts as number) + 1,
        error,
        now,
      );
    });
  }

  async listDeadLetters(limit: number): Promise<DeadLetter[]> {
    return this.#sql.dead.all(limit).map((row) => ({
      id: String(row.id),
      topic: row.topic as string,
      body: row.body as string,
      attempts: row.attempts as number,
      lastError: row.last_error as string,
      failedAt: row.failed_at as number,
    }));
  }

  redrive(id: string, now: number): Promise<boolean> {
    return this.#writes.write(() => {
      const row = this.#sql.deadOne.get(Number(id));
      if (row === undefined) return false;
      // Keeping the id keeps the event's place in the original order.
      this.#sql.unbury.run(Number(id), row.topic as string, row.body as string, now, now);
      return true;
    });
  }

  async depth(): Promise<QueueDepth> {
    const row = this.#sql.depth.get()!;
    return {
      pending: (row.pending as number) + this.#log.pending(),
      dead: row.dead as number,
      oldestPendingAt: earlier(row.oldest as number | null, this.#log.oldestPendingAt()) ?? undefined,
    };
  }

  async oldestPendingAt(): Promise<number | null> {
    return earlier(this.#sql.oldest.get()!.at as number | null, this.#log.oldestPendingAt());
  }

  /**
   * The outbox row of an event, inside a write: a created event read from the
   * log is copied there (its first failure) and counts as handled for the log.
   */
  #outboxId(id: string, now: number): number {
    const seq = ReservationLog.seqOf(id);
    if (seq === undefined) return Number(id);
    const copied = Number(this.#outbox.append('reservation.created', this.#log.body(seq), now));
    this.#log.handled(seq);
    return copied;
  }
}

/** The earlier of two times either of which may be missing (null). */
function earlier(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  return b === null ? a : Math.min(a, b);
}
