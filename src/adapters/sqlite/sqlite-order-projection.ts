import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { OrderNotification } from '../../ports/order-notifier.ts';
import type { OrderProjection } from '../../ports/order-projection.ts';
import type { GroupCommit } from './group-commit.ts';
import type { ReservationLog } from './reservation-log.ts';

const CONFIRM = `INSERT INTO orders (id, reservation_id, sale_id, user_id, quantity, amount_cents, currency, status,
     created_at, updated_at)
   SELECT order_id, id, sale_id, user_id, quantity, amount_cents, currency, 'confirmed', ?, ?
   FROM reservations WHERE seq > ? AND seq <= ?
   ON CONFLICT DO NOTHING`;

/**
 * Confirms new reservations' orders straight from the reservation rows: one
 * INSERT … SELECT per slice, inside the group commit, with the projection's
 * cursor. A record that exists already (the event was handled before a
 * crash, or a later event of the order got there first) is left as it is,
 * as `applyOrderEvent` leaves it for a late `confirmed`. Only a caller that
 * asks for the confirmed orders pays for reading them back (RETURNING).
 */
export class SqliteOrderProjection implements OrderProjection {
  readonly #writes: GroupCommit;
  readonly #log: ReservationLog;
  readonly #confirm: StatementSync;
  readonly #confirmReturning: StatementSync;

  constructor(db: DatabaseSync, writes: GroupCommit, log: ReservationLog) {
    this.#writes = writes;
    this.#log = log;
    this.#confirm = db.prepare(CONFIRM);
    this.#confirmReturning = db.prepare(
      `${CONFIRM} RETURNING id, reservation_id, sale_id, user_id, quantity, amount_cents, currency`,
    );
  }

  async confirmPending(
    max: number,
    now: number,
    confirmed?: (orders: readonly OrderNotification[]) => void,
    wanted: () => boolean = () => true,
  ): Promise<number> {
    let rows: Record<string, unknown>[] = [];
    const events = await this.#writes.write(() => {
      const range = this.#log.nextRange(max);
      if (range === undefined) return 0;
      if (confirmed === undefined || !wanted()) this.#confirm.run(now, now, range.after, range.upTo);
      else rows = this.#confirmReturning.all(now, now, range.after, range.upTo);
      this.#log.handledUpTo(range.upTo);
      return range.events;
    });
    if (confirmed !== undefined && rows.length > 0) confirmed(rows.map((row) => confirmedOrder(row, now)));
    return events;
  }
}

function confirmedOrder(row: Record<string, unknown>, now: number): OrderNotification {
  return {
    orderId: row.id as string,
    reservationId: row.reservation_id as string,
    saleId: row.sale_id as string,
    userId: row.user_id as string,
    quantity: row.quantity as number,
    amountCents: row.amount_cents as number,
    currency: row.currency as string,
    status: 'confirmed',
    at: now,
  };
}
