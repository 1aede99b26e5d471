import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Reservation } from '../../domain/reservation.ts';
import type { EventTopic } from '../../ports/event-queue.ts';

/** Appends events to the outbox table, inside whatever transaction the caller has open. */
export class OutboxWriter {
  readonly #insert: StatementSync;

  constructor(db: DatabaseSync) {
    this.#insert = db.prepare(
      'INSERT INTO outbox (topic, body, attempts, available_at, created_at) VALUES (?, ?, 0, ?, ?)',
    );
  }

  append(topic: string, body: string, now: number): string {
    const { lastInsertRowid } = this.#insert.run(topic, body, now, now);
    return String(lastInsertRowid);
  }

  appendReservation(topic: EventTopic, reservation: Reservation, now: number): void {
    this.append(topic, JSON.stringify(reservation), now);
  }
}
