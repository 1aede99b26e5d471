import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { applyOrderEvent, type OrderEvent, type Transition } from '../../domain/order.ts';
import type { Reservation } from '../../domain/reservation.ts';
import {
  type OrderRecord,
  type OrderStatusCounts,
  type OrderStore,
  tallyStatuses,
} from '../../ports/order-store.ts';
import type { GroupCommit } from './group-commit.ts';
import { orderFromRow } from './rows.ts';

export class SqliteOrderStore implements OrderStore {
  readonly #writes: GroupCommit;
  readonly #get: StatementSync;
  readonly #insert: StatementSync;
  readonly #update: StatementSync;
  readonly #count: StatementSync;
  readonly #byStatus: StatementSync;

  constructor(db: DatabaseSync, writes: GroupCommit) {
    this.#writes = writes;
    this.#get = db.prepare('SELECT * FROM orders WHERE id = ?');
    this.#insert = db.prepare(
      `INSERT INTO orders (id, reservation_id, sale_id, user_id, quantity, amount_cents, currency, status,
         created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#update = db.prepare('UPDATE orders SET status = ?, updated_at = ? WHERE id = ?');
    this.#count = db.prepare('SELECT COUNT(*) AS n FROM orders WHERE sale_id = ?');
    this.#byStatus = db.prepare('SELECT status, COUNT(*) AS n FROM orders WHERE sale_id = ? GROUP BY status');
  }

  apply(reservation: Reservation, event: OrderEvent, now: number): Promise<Transition> {
    return this.#writes.write((): Transition => {
      const row = this.#get.get(reservation.orderId);
      const current = row === undefined ? 'pending' : orderFromRow(row).status;
      const transition = applyOrderEvent(current, event);
      if (transition.kind !== 'move') return transition;
      if (row === undefined) {
        this.#insert.run(
          reservation.orderId,
          reservation.id,
          reservation.saleId,
          reservation.userId,
          reservation.quantity,
          reservation.amountCents,
          reservation.currency,
          transition.to,
          now,
          now,
        );
      } else {
        this.#update.run(transition.to, now, reservation.orderId);
      }
      return transition;
    });
  }

  async get(orderId: string): Promise<OrderRecord | undefined> {
    const row = this.#get.get(orderId);
    return row === undefined ? undefined : orderFromRow(row);
  }

  async countForSale(saleId: string): Promise<number> {
    return this.#count.get(saleId)!.n as number;
  }

  async countByStatus(saleId: string): Promise<OrderStatusCounts> {
    return tallyStatuses(this.#byStatus.all(saleId).map((row) => [row.status as string, row.n as number]));
  }
}
