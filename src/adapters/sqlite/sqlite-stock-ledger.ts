import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { v7 as timeOrderedId } from 'uuid';
import { checkPayment } from '../../domain/order.ts';
import { decidePurchase, newReservation } from '../../domain/purchase-decision.ts';
import type { ReleaseReason, Reservation } from '../../domain/reservation.ts';
import type { Sale } from '../../domain/sale.ts';
import type {
  Holding,
  LedgerCounts,
  ReleaseResult,
  ReserveRequest,
  ReserveResult,
  SaleSnapshot,
  SettleResult,
  StockLedger,
} from '../../ports/stock-ledger.ts';
import type { GroupCommit } from './group-commit.ts';
import { OutboxWriter } from './outbox.ts';
import { reservationFromRow, saleFromRow } from './rows.ts';

/**
 * The stock ledger on SQLite. Every purchase of a started sale joins the
 * store's group commit: each request that arrives while the event loop is
 * busy is decided and written in the next batch transaction (one WAL commit,
 * one fsync under FULL), and is answered only after that batch committed.
 * Only `not_started` and `sale_not_found` are answered without joining it.
 */
export class SqliteStockLedger implements StockLedger {
  readonly #db: DatabaseSync;
  readonly #outbox: OutboxWriter;
  readonly #sql: Record<
    | 'insertSale'
    | 'sale'
    | 'sales'
    | 'byKey'
    | 'holding'
    | 'take'
    | 'giveBack'
    | 'insertReservation'
    | 'reservation'
    | 'byOrder'
    | 'markPaid'
    | 'markReleased'
    | 'due'
    | 'counts'
    | 'overLimit'
    | 'holdings'
    | 'available',
    StatementSync
  >;
  readonly #writes: GroupCommit;
  /** Sales never change once opened (only their stock does, which is never cached). */
  readonly #sales = new Map<string, Sale>();

  constructor(db: DatabaseSync, writes: GroupCommit) {
    this.#db = db;
    this.#writes = writes;
    this.#outbox = new OutboxWriter(db);
    this.#sql = {
      insertSale: db.prepare(
        `INSERT INTO sales (id, sku, name, stock, available, starts_at, ends_at, per_user_limit, price_cents,
           currency, payment_window_seconds, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      sale: db.prepare('SELECT * FROM sales WHERE id = ?'),
      sales: db.prepare('SELECT * FROM sales ORDER BY created_at, id'),
      byKey: db.prepare('SELECT * FROM reservations WHERE user_id = ? AND idempotency_key = ?'),
      holding: db.prepare(
        `SELECT COALESCE(SUM(quantity), 0) AS units FROM reservations
         WHERE sale_id = ? AND user_id = ? AND state IN ('held', 'paid')`,
      ),
      take: db.prepare('UPDATE sales SET available = available - ? WHERE id = ? AND available >= ?'),
      giveBack: db.prepare('UPDATE sales SET available = available + ? WHERE id = ?'),
      insertReservation: db.prepare(
        `INSERT INTO reservations (id, order_id, sale_id, user_id, quantity, idempotency_key, amount_cents,
           currency, state, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'held', ?, ?)`,
      ),
      reservation: db.prepare('SELECT * FROM reservations WHERE id = ?'),
      byOrder: db.prepare('SELECT * FROM reservations WHERE order_id = ?'),
      markPaid: db.prepare(
        `UPDATE reservations SET state = 'paid', paid_at = ? WHERE id = ? AND state = 'held'`,
      ),
      markReleased: db.prepare(
        `UPDATE reservations SET state = 'released', release_reason = ?, released_at = ?
         WHERE id = ? AND state = 'held'`,
      ),
      due: db.prepare(
        `SELECT * FROM reservations WHERE state = 'held' AND expires_at <= ? ORDER BY expires_at, id LIMIT ?`,
      ),
      counts: db.prepare(
        `SELECT COALESCE(SUM(CASE WHEN state = 'held' THEN quantity END), 0) AS held,
                COALESCE(SUM(CASE WHEN state = 'paid' THEN quantity END), 0) AS paid,
                COALESCE(SUM(CASE WHEN state = 'released' THEN quantity END), 0) AS released,
                COUNT(*) AS reservations
         FROM reservations WHERE sale_id = ?`,
      ),
      available: db.prepare('SELECT available FROM sales WHERE id = ?'),
      holdings: db.prepare(
        `SELECT user_id, SUM(quantity) AS units, json_group_array(idempotency_key) AS idempotency_keys
         FROM reservations WHERE sale_id = ? AND state IN ('held', 'paid') GROUP BY user_id`,
      ),
      overLimit: db.prepare(
        `SELECT user_id, SUM(quantity) AS units FROM reservations
         WHERE sale_id = ? AND state IN ('held', 'paid') GROUP BY user_id HAVING SUM(quantity) > ?`,
      ),
    };
  }

  async openSale(sale: Sale): Promise<void> {
    this.#sql.insertSale.run(
      sale.id,
      sale.sku,
      sale.name,
      sale.stock,
      sale.stock,
      sale.startsAt,
      sale.endsAt,
      sale.perUserLimit,
      sale.priceCents,
      sale.currency,
      sale.paymentWindowSeconds,
      sale.createdAt,
    );
  }

  async getSale(saleId: string): Promise<SaleSnapshot | undefined> {
    const row = this.#sql.sale.get(saleId);
    return row === undefined ? undefined : { sale: saleFromRow(row), available: row.available as number };
  }

  async listSales(): Promise<SaleSnapshot[]> {
    return this.#sql.sales
      .all()
      .map((row) => ({ sale: saleFromRow(row), available: row.available as number }));
  }

  reserve(request: ReserveRequest): Promise<ReserveResult> {
    const sale = this.#sale(request.saleId);
    if (sale === undefined) return Promise.resolve({ kind: 'sale_not_found' });
    // The crowd that arrives early is answered from memory: no reservation can exist before the start.
    if (request.now < sale.startsAt) return Promise.resolve({ kind: 'not_started', startsAt: sale.startsAt });
    return this.#writes.write(() => this.#reserveInTransaction(request, sale));
  }

  async getReservation(reservationId: string): Promise<Reservation | undefined> {
    const row = this.#sql.reservation.get(reservationId);
    return row === undefined ? undefined : reservationFromRow(row);
  }

  async findReservationByOrder(orderId: string): Promise<Reservation | undefined> {
    const row = this.#sql.byOrder.get(orderId);
    return row === undefined ? undefined : reservationFromRow(row);
  }

  settle(reservationId: string, now: number): Promise<SettleResult> {
    return this.#writes.write((): SettleResult => {
      const reservation = this.#reservation(reservationId);
      if (reservation === undefined) return { kind: 'not_found' };
      const check = checkPayment(reservation, now);
      if (check !== 'pay') return { kind: check, reservation };
      this.#sql.markPaid.run(now, reservationId);
      const paid: Reservation = { ...reservation, state: 'paid', paidAt: now };
      this.#outbox.appendReservation('reservation.paid', paid, now);
      return { kind: 'paid', reservation: paid };
    });
  }

  release(reservationId: string, reason: ReleaseReason, now: number): Promise<ReleaseResult> {
    return this.#writes.write((): ReleaseResult => {
      const reservation = this.#reservation(reservationId);
      if (reservation === undefined) return { kind: 'not_found' };
      if (reservation.state !== 'held') return { kind: 'not_held', reservation };
      this.#sql.markReleased.run(reason, now, reservationId);
      this.#sql.giveBack.run(reservation.quantity, reservation.saleId);
      const released: Reservation = { ...reservation, state: 'released', releaseReason: reason };
      this.#outbox.appendReservation('reservation.released', released, now);
      return { kind: 'released', reservation: released };
    });
  }

  async findExpired(now: number, limit: number): Promise<Reservation[]> {
    return this.#sql.due.all(now, limit).map(reservationFromRow);
  }

  async countSale(saleId: string): Promise<LedgerCounts | undefined> {
    const saleRow = this.#sql.sale.get(saleId);
    if (saleRow === undefined) return undefined;
    const counts = this.#sql.counts.get(saleId)!;
    const overLimit = this.#sql.overLimit.all(saleId, saleRow.per_user_limit as number);
    return {
      initial: saleRow.stock as number,
      available: saleRow.available as number,
      held: counts.held as number,
      paid: counts.paid as number,
      released: counts.released as number,
      reservations: counts.reservations as number,
      usersOverLimit: overLimit.map((row) => ({ userId: row.user_id as string, units: row.units as number })),
    };
  }

  async listHoldings(saleId: string): Promise<Holding[]> {
    return this.#sql.holdings.all(saleId).map((row) => ({
      userId: row.user_id as string,
      units: row.units as number,
      idempotencyKeys: JSON.parse(row.idempotency_keys as string) as string[],
    }));
  }

  async ping(): Promise<boolean> {
    return this.#db.prepare('SELECT 1 AS ok').get()?.ok === 1;
  }

  #reservation(reservationId: string): Reservation | undefined {
    const row = this.#sql.reservation.get(reservationId);
    return row === undefined ? undefined : reservationFromRow(row);
  }

  #sale(saleId: string): Sale | undefined {
    let sale = this.#sales.get(saleId);
    if (sale === undefined) {
      const row = this.#sql.sale.get(saleId);
      if (row === undefined) return undefined;
      sale = saleFromRow(row);
      this.#sales.set(saleId, sale);
    }
    return sale;
  }

  /**
   * Decides and writes inside the batch transaction, so the facts cannot
   * change between the decision and the write. The stock is not read up
   * front: the conditional decrement is the check, and only when it fails is
   * the remaining stock read to say why.
   */
  #reserveInTransaction(request: ReserveRequest, sale: Sale): ReserveResult {
    const previousRow = this.#sql.byKey.get(request.userId, request.idempotencyKey);
    const facts = {
      sale,
      now: request.now,
      quantity: request.quantity,
      available: Number.MAX_SAFE_INTEGER,
      userHolding: this.#sql.holding.get(sale.id, request.userId)!.units as number,
      previous: previousRow === undefined ? undefined : reservationFromRow(previousRow),
    };
    const decision = decidePurchase(facts);
    if (decision.kind !== 'reserve') return decision;
    const taken = this.#sql.take.run(request.quantity, sale.id, request.quantity);
    if (taken.changes !== 1) {
      const available = this.#sql.available.get(sale.id)!.available as number;
      const refusal = decidePurchase({ ...facts, available });
      if (refusal.kind === 'reserve') throw new Error('embedded ledger: stock check and decrement disagree');
      return refusal;
    }
    const reservation = newReservation(sale, request, { id: timeOrderedId(), orderId: timeOrderedId() });
    this.#sql.insertReservation.run(
      reservation.id,
      reservation.orderId,
      reservation.saleId,
      reservation.userId,
      reservation.quantity,
      reservation.idempotencyKey,
      reservation.amountCents,
      reservation.currency,
      reservation.createdAt,
      reservation.expiresAt,
    );
    this.#outbox.appendReservation('reservation.created', reservation, request.now);
    return { kind: 'reserved', reservation, replayed: false };
  }
}
