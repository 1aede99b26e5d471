import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { QueuedEvent } from '../../ports/event-queue.ts';
import type { GroupCommit } from './group-commit.ts';
import { reservationFromRow } from './rows.ts';

const ID_PREFIX = 'c';

/**
 * The reservation rows read as the stream of their `reservation.created`
 * events: every row past the order projection's cursor (`order_projection`)
 * is an event not handled yet. Handled events past the cursor are kept in
 * memory until the cursor can move over them, and the cursor is stored
 * inside the write that handled them; after a crash the events past it are
 * delivered again, which the order records absorb (unique reservation id).
 */
export class ReservationLog {
  readonly #sql: Record<
    'cursor' | 'moveCursor' | 'after' | 'nextSeq' | 'count' | 'bySeq' | 'nthAfter' | 'createdAfter',
    StatementSync
  >;
  #cursor: number;
  /** Handled, but a lower event is not yet: the cursor cannot pass them. */
  readonly #handledAhead = new Set<number>();

  constructor(db: DatabaseSync, writes: GroupCommit) {
    writes.onRollback(() => this.#reload());
    this.#sql = {
      cursor: db.prepare('SELECT seq FROM order_projection WHERE id = 1'),
      moveCursor: db.prepare('UPDATE order_projection SET seq = ? WHERE id = 1'),
      after: db.prepare('SELECT * FROM reservations WHERE seq > ? ORDER BY seq LIMIT ?'),
      nextSeq: db.prepare('SELECT seq FROM reservations WHERE seq > ? ORDER BY seq LIMIT 1'),
      count: db.prepare('SELECT COUNT(*) AS n FROM reservations WHERE seq > ?'),
      bySeq: db.prepare('SELECT * FROM reservations WHERE seq = ?'),
      createdAfter: db.prepare('SELECT seq, created_at FROM reservations WHERE seq > ? ORDER BY seq LIMIT ?'),
      nthAfter: db.prepare(
        'SELECT MAX(seq) AS seq, COUNT(*) AS n FROM (SELECT seq FROM reservations WHERE seq > ? ORDER BY seq LIMIT ?)',
      ),
    };
    this.#cursor = this.#storedCursor();
  }

  /** The seq of a created event's queue id, or undefined for an outbox id. */
  static seqOf(id: string): number | undefined {
    return id.startsWith(ID_PREFIX) ? Number(id.slice(ID_PREFIX.length)) : undefined;
  }

  /** Up to `max` events not handled yet, oldest first (delivered again until handled). */
  unhandled(max: number): QueuedEvent[] {
    const rows = this.#sql.after.all(this.#cursor, max + this.#handledAhead.size);
    const events: QueuedEvent[] = [];
    for (const row of rows) {
      const seq = row.seq as number;
      if (this.#handledAhead.has(seq)) continue;
      events.push({
        id: `${ID_PREFIX}${seq}`,
        topic: 'reservation.created',
        body: createdEventBody(row),
        attempts: 0,
      });
      if (events.length === max) break;
    }
    return events;
  }

  body(seq: number): string {
    const row = this.#sql.bySeq.get(seq);
    if (row === undefined) throw new Error(`embedded queue: no reservation with seq ${seq}`);
    return createdEventBody(row);
  }

  /** Marks an event handled, inside a write: the stored cursor moves with it when it can. */
  handled(seq: number): void {
    if (seq <= this.#cursor) return;
    this.#handledAhead.add(seq);
    if (this.#passHandled()) this.#sql.moveCursor.run(this.#cursor);
  }

  /**
   * The next `max` events, as the seq range (after, upTo] they span, for a
   * caller that handles them all inside the current write; undefined when
   * none is waiting. `handledUpTo` must follow in the same write.
   */
  nextRange(
    max: number,
  ): { readonly after: number; readonly upTo: number; readonly events: number } | undefined {
    const row = this.#sql.nthAfter.get(this.#cursor, max)!;
    const upTo = row.seq as number | null;
    return upTo === null ? undefined : { after: this.#cursor, upTo, events: row.n as number };
  }

  /** Every event up to `seq` is handled (inside a write): the cursor moves there. */
  handledUpTo(seq: number): void {
    if (seq <= this.#cursor) return;
    for (const ahead of this.#handledAhead) if (ahead <= seq) this.#handledAhead.delete(ahead);
    this.#cursor = seq;
    this.#passHandled();
    this.#sql.moveCursor.run(this.#cursor);
  }

  /** Moves the cursor over the handled events right after it; true if it moved. */
  #passHandled(): boolean {
    let moved = false;
    while (this.#handledAhead.size > 0) {
      const next = this.#sql.nextSeq.get(this.#cursor)?.seq as number | undefined;
      if (next === undefined || !this.#handledAhead.has(next)) break;
      this.#handledAhead.delete(next);
      this.#cursor = next;
      moved = true;
    }
    return moved;
  }

  pending(): number {
    return (this.#sql.count.get(this.#cursor)!.n as number) - this.#handledAhead.size;
  }

  /** When the oldest event not handled yet was made; null when none waits. */
  oldestPendingAt(): number | null {
    const rows = this.#sql.createdAfter.all(this.#cursor, this.#handledAhead.size + 1);
    const row = rows.find((r) => !this.#handledAhead.has(r.seq as number));
    return row === undefined ? null : (row.created_at as number);
  }

  /** After a rollback: back to what the store holds (events handled in the lost writes come again). */
  #reload(): void {
    this.#handledAhead.clear();
    this.#cursor = this.#storedCursor();
  }

  #storedCursor(): number {
    return this.#sql.cursor.get()!.seq as number;
  }
}

/** A reservation row as its reservation.created event: the reservation, and the request that made it. */
function createdEventBody(row: Record<string, unknown>): string {
  const requestId = row.request_id as string | null;
  const reservation = reservationFromRow(row);
  return JSON.stringify(requestId === null ? reservation : { ...reservation, requestId });
}
