import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { OrderProjection } from '../../ports/order-projection.ts';
import type { GroupCommit } from './group-commit.ts';
import type { ReservationLog } from './reservation-log.ts';

/**
 * Confirms new reservations' orders straight from the reservation rows: one
 * INSERT … SELECT per slice, inside the group commit, with the projection's
 * cursor. A record that exists already (the event was handled before a
 * crash, or a later event of the order got there first) is left as it is,
 * as `applyOrderEvent` leaves it for a late `confirmed`.
 */
export class SqliteOrderProjection implements OrderProjection {
  readonly #writes: GroupCommit;
  readonly #log: ReservationLog;
  readonly #confirm: StatementSync;

  constructor(db: DatabaseSync, writes: GroupCommit, log: ReservationLog) {
    this.#writes = writes;
    this.#log = log;
    this.#confirm = db.prepare(
      `INSERT INTO orders (id, reservation_id, sale_id, user_id, quantity, amount_cents, currency, status,
         created_at, updated_at)
       SELECT order_id, id, sale_id, user_id, quantity, amount_cents, currency, 'confirmed', ?, ?
       FROM reservations WHERE seq > ? AND seq <= ?
       ON CONFLICT DO NOTHING`,
    );
  }

  confirmPending(max: number, now: number): Promise<number> {
    return this.#writes.write(() => {
      const range = this.#log.nextRange(max);
      if (range === undefined) return 0;
      this.#confirm.run(now, now, range.after, range.upTo);
      this.#log.handledUpTo(range.upTo);
      return range.events;
    });
  }
}
