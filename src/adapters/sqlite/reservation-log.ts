import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { QueuedEvent } from '../../ports/event-queue.ts';
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
  readonly #sql: Record<'cursor' | 'moveCursor' | 'after' | 'nextSeq' | 'count' | 'bySeq', StatementSync>;
  #cursor: number;
  /** Handled, but a lower event is not yet: the cursor cannot pass them. */
  readonly #handledAhead = new Set<number>();

  constructor(db: DatabaseSync) {
    this.#sql = {
      cursor: db.prepare('SELECT seq FROM order_projection WHERE id = 1'),
      moveCursor: db.prepare('UPDATE order_projection SET seq = ? WHERE id = 1'),
      after: db.prepare('SELECT * FROM reservations WHERE seq > ? ORDER BY seq LIMIT ?'),
      nextSeq: db.prepare('SELECT seq FROM reservations WHERE seq > ? ORDER BY seq LIMIT 1'),
      count: db.prepare('SELECT COUNT(*) AS n FROM reservations WHERE seq > ?'),
      bySeq: db.prepare('SELECT * FROM reservations WHERE seq = ?'),
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
        body: JSON.stringify(reservationFromRow(row)),
        attempts: 0,
      });
      if (events.length === max) break;
    }
    return events;
  }

  body(seq: number): string {
    const row = this.#sql.bySeq.get(seq);
    if (row === undefined) throw new Error(`embedded queue: no reservation with seq ${seq}`);
    return JSON.stringify(reservationFromRow(row));
  }

  /** Marks an event handled, inside a write: the stored cursor moves with it when it can. */
  handled(seq: number): void {
    if (seq <= this.#cursor) return;
    this.#handledAhead.add(seq);
    let moved = false;
    for (;;) {
      const next = this.#sql.nextSeq.get(this.#cursor)?.seq as number | undefined;
      if (next === undefined || !this.#handledAhead.has(next)) break;
      this.#handledAhead.delete(next);
      this.#cursor = next;
      moved = true;
    }
    if (moved) this.#sql.moveCursor.run(this.#cursor);
  }

  pending(): number {
    return (this.#sql.count.get(this.#cursor)!.n as number) - this.#handledAhead.size;
  }

  /** After a rollback: back to what the store holds (events handled in the lost writes come again). */
  reload(): void {
    this.#handledAhead.clear();
    this.#cursor = this.#storedCursor();
  }

  #storedCursor(): number {
    return this.#sql.cursor.get()!.seq as number;
  }
}
