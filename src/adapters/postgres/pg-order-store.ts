import type { Pool, PoolClient } from 'pg';
import { applyOrderEvent, type OrderEvent, type OrderStatus, type Transition } from '../../domain/order.ts';
import type { Reservation } from '../../domain/reservation.ts';
import {
  type OrderRecord,
  type OrderStatusCounts,
  type OrderStore,
  tallyStatuses,
} from '../../ports/order-store.ts';
import { ConfirmationBatch } from './confirmation-batch.ts';

/** The subset of a pg Pool the store needs. */
export type OrderPool = Pick<Pool, 'connect' | 'query'>;

interface OrderRow {
  id: string;
  reservation_id: string;
  sale_id: string;
  user_id: string;
  quantity: number;
  amount_cents: string;
  currency: string;
  status: OrderStatus;
  created_at: string;
  updated_at: string;
}

/**
 * Orders on PostgreSQL. One row per reservation (primary key on the order id,
 * unique reservation id); an event is applied under a row lock, so workers
 * racing on the same order serialise and the state machine sees each state
 * once. Payments and releases get their own rows.
 */
export class PgOrderStore implements OrderStore {
  readonly #pool: OrderPool;
  readonly #confirmations: ConfirmationBatch;

  constructor(pool: OrderPool) {
    this.#pool = pool;
    this.#confirmations = new ConfirmationBatch({
      insertMany: (items) => insertOrders(pool, 'confirmed', items),
      insertOne: async (reservation, now) =>
        (await insertOrders(pool, 'confirmed', [{ reservation, now }])).size === 1,
    });
  }

  async apply(reservation: Reservation, event: OrderEvent, now: number): Promise<Transition> {
    // The common case, a new reservation's confirmation, is one row of a batched INSERT; anything else
    // (and a confirmation of an order that exists) takes the row lock.
    if (event === 'confirmed' && (await this.#confirmations.confirm(reservation, now))) {
      return { kind: 'move', to: 'confirmed' };
    }
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const transition = await this.#applyInTransaction(client, reservation, event, now);
      await client.query('COMMIT');
      return transition;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async get(orderId: string): Promise<OrderRecord | undefined> {
    const { rows } = await this.#pool.query<OrderRow>('SELECT * FROM orders WHERE id = $1', [orderId]);
    return rows[0] === undefined ? undefined : orderFromRow(rows[0]);
  }

  async countForSale(saleId: string): Promise<number> {
    const { rows } = await this.#pool.query<{ n: string }>(
      'SELECT COUNT(*) AS n FROM orders WHERE sale_id = $1',
      [saleId],
    );
    return Number(rows[0]!.n);
  }

  async countByStatus(saleId: string): Promise<OrderStatusCounts> {
    const { rows } = await this.#pool.query<{ status: string; n: string }>(
      'SELECT status, COUNT(*) AS n FROM orders WHERE sale_id = $1 GROUP BY status',
      [saleId],
    );
    return tallyStatuses(rows.map((row) => [row.status, Number(row.n)]));
  }

  async #applyInTransaction(
    client: PoolClient,
    reservation: Reservation,
    event: OrderEvent,
    now: number,
  ): Promise<Transition> {
    const current = await this.#lockedStatus(client, reservation.orderId);
    const transition = applyOrderEvent(current ?? 'pending', event);
    if (transition.kind !== 'move') return transition;
    if (current === undefined) {
      const created = await insertOrders(client, transition.to, [{ reservation, now }]);
      // Another worker created it between our read and our insert: decide again under its lock.
      if (created.size === 0) return this.#applyInTransaction(client, reservation, event, now);
    } else {
      await client.query('UPDATE orders SET status = $1, updated_at = $2 WHERE id = $3', [
        transition.to,
        now,
        reservation.orderId,
      ]);
    }
    if (transition.to === 'paid') {
      await client.query(
        `INSERT INTO payments (order_id, amount_cents, currency, paid_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING`,
        [reservation.orderId, reservation.amountCents, reservation.currency, reservation.paidAt ?? now],
      );
    }
    if (transition.to === 'expired' || transition.to === 'cancelled') {
      await client.query(
        `INSERT INTO order_releases (order_id, reason, released_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
        [reservation.orderId, transition.to, now],
      );
    }
    return transition;
  }

  async #lockedStatus(client: PoolClient, orderId: string): Promise<OrderStatus | undefined> {
    const { rows } = await client.query<{ status: OrderStatus }>(
      'SELECT status FROM orders WHERE id = $1 FOR UPDATE',
      [orderId],
    );
    return rows[0]?.status;
  }
}

/**
 * The one INSERT of new orders, one row or a batch (one statement, one
 * commit): orders that exist already are skipped. Returns the ids it created.
 * The rows travel as one JSON array: PostgreSQL reads it faster than ten
 * array parameters, and JSON.stringify writes it faster than pg would.
 */
async function insertOrders(
  db: Pick<PoolClient, 'query'>,
  status: OrderStatus,
  items: ReadonlyArray<{ reservation: Reservation; now: number }>,
): Promise<Set<string>> {
  const rows = items.map(({ reservation: r, now }) => ({
    id: r.orderId,
    reservation_id: r.id,
    sale_id: r.saleId,
    user_id: r.userId,
    quantity: r.quantity,
    amount_cents: r.amountCents,
    currency: r.currency,
    at: now,
  }));
  const { rows: created } = await db.query<{ id: string }>(
    `INSERT INTO orders (id, reservation_id, sale_id, user_id, quantity, amount_cents, currency, status,
       created_at, updated_at)
     SELECT id, reservation_id, sale_id, user_id, quantity, amount_cents, currency, $2, at, at
     FROM json_to_recordset($1::json) AS o(id text, reservation_id text, sale_id text, user_id text,
       quantity int, amount_cents bigint, currency text, at bigint)
     ON CONFLICT DO NOTHING RETURNING id`,
    [JSON.stringify(rows), status],
  );
  return new Set(created.map((row) => row.id));
}

function orderFromRow(row: OrderRow): OrderRecord {
  return {
    id: row.id,
    reservationId: row.reservation_id,
    saleId: row.sale_id,
    userId: row.user_id,
    quantity: row.quantity,
    amountCents: Number(row.amount_cents),
    currency: row.currency,
    status: row.status,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}
