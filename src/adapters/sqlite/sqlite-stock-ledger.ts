import type { DatabaseSync } from 'node:sqlite';
import { checkPayment } from '../../domain/order.ts';
import { decidePurchase, decideRetry, newReservation } from '../../domain/purchase-decision.ts';
import type { ReleaseReason, Reservation } from '../../domain/reservation.ts';
import type { Sale } from '../../domain/sale.ts';
import type { KeyFilterSource } from '../../ports/shared-key-filter.ts';
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
import { KeyFilter } from '../memory/key-filter.ts';
import { TimeOrderedIds } from '../memory/time-ordered-ids.ts';
import type { GroupCommit } from './group-commit.ts';
import { KeyIndex } from './key-index.ts';
import { type LedgerStatements, prepareLedgerStatements } from './ledger-statements.ts';
import { bookKey, LiveSaleBooks } from './live-sale-books.ts';
import { OutboxWriter } from './outbox.ts';
import { reservationFromRow, saleFromRow } from './rows.ts';

/**
 * The stock ledger on SQLite. Every purchase of a started sale joins the
 * store's group commit: each request that arrives while the event loop is
 * busy is decided and written in the next batch transaction (one WAL commit,
 * one fsync under FULL), and is answered only after that batch committed.
 * Only `not_started` (after a look at the key) and `sale_not_found` are answered without joining it.
 *
 * The process owns the store, so it decides purchases from an in-memory book
 * of each sale (units left, holdings, keys: `LiveSaleBooks`) and writes one
 * row per reservation, which is also its `reservation.created` event (the
 * order projection reads new rows by `seq`), plus the guarded decrement.
 */
export class SqliteStockLedger implements StockLedger {
  readonly #db: DatabaseSync;
  readonly #outbox: OutboxWriter;
  readonly #sql: LedgerStatements;
  readonly #writes: GroupCommit;
  /** Sales never change once opened (their stock is kept by the books, inside writes). */
  readonly #sales = new Map<string, Sale>();
  readonly #books: LiveSaleBooks;
  readonly #ids = new TimeOrderedIds();
  /**
   * Units reserved in the current batch, by sale, not yet subtracted from
   * `sales.available`: one guarded UPDATE per sale and batch (before COMMIT)
   * instead of one per reservation.
   */
  readonly #untaken = new Map<string, number>();
  /**
   * Every (user, key) a reservation was ever made under, as a Bloom filter:
   * the losers of a sold-out sale and the crowd before the start bring
   * fresh keys, and "never used" from memory spares each of them an index
   * lookup. The process is the store's only writer, so the filter misses
   * no key; a "maybe" is settled by the store.
   */
  readonly #usedKeys: KeyFilter;
  /** Where each key was used, for a "maybe" of the filter that the sale's book cannot settle. */
  readonly #keys: KeyIndex;

  constructor(db: DatabaseSync, writes: GroupCommit) {
    this.#db = db;
    this.#usedKeys = usedKeysOf(db);
    this.#keys = new KeyIndex(db, writes);
    this.#writes = writes;
    this.#outbox = new OutboxWriter(db);
    this.#books = new LiveSaleBooks(db, (saleId) => this.#untaken.get(saleId) ?? 0);
    writes.onRollback((scope) => {
      this.#books.clear();
      // A write's savepoint undone: that write added nothing here (it adds last, see #reserveInTransaction).
      if (scope === 'batch') this.#untaken.clear();
    });
    writes.beforeCommit(() => this.#takeUntaken());
    this.#sql = prepareLedgerStatements(db);
  }

  async openSale(sale: Sale): Promise<void> {
    await this.#writes.write(() =>
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
        sale.purchaseToken ? 1 : 0,
        sale.createdAt,
      ),
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
    // The crowd that arrives early is answered outside the group commit: no reservation of this sale
    // can exist before the start, but the key may hold one of another sale, and then that one decides.
    // mirrors decidePurchase (retry first, then the sale window) in domain/purchase-decision.ts
    if (request.now < sale.startsAt) {
      const previous = this.#byKey(request);
      return Promise.resolve(
        previous === undefined
          ? { kind: 'not_started', startsAt: sale.startsAt }
          : decideRetry(sale, request.quantity, previous),
      );
    }
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

  /** The used-key filter's shared layers, for the HTTP threads' `KeyFilterReader`s. */
  readonly usedKeys: KeyFilterSource = {
    layersFrom: async (from) => this.#usedKeys.layersFrom(from),
  };

  async hasUsedKey(userId: string, idempotencyKey: string): Promise<boolean> {
    return (
      this.#usedKeys.mightHave(userId, idempotencyKey) &&
      this.#keys.seqOf(userId, idempotencyKey) !== undefined
    );
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
      // The stored stock first catches up with this batch's reservations (it may not exceed the stock).
      this.#takeUntaken(reservation.saleId);
      this.#sql.giveBack.run(reservation.quantity, reservation.saleId);
      const book = this.#books.peek(reservation.saleId);
      if (book !== undefined) {
        book.available += reservation.quantity;
        book.holdings.set(
          reservation.userId,
          (book.holdings.get(reservation.userId) ?? 0) - reservation.quantity,
        );
        const booked = book.keys.get(bookKey(reservation.userId, reservation.idempotencyKey));
        if (booked !== undefined) booked.live = false;
      }
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
    // The book answers a live sale's holdings without a pass over its reservations.
    const fromBook = this.#books.holdings(saleId);
    if (fromBook !== undefined) return fromBook;
    return this.#sql.holdings.all(saleId).map((row) => ({
      userId: row.user_id as string,
      units: row.units as number,
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
   * Decides and writes inside the batch transaction, from the sale's book, so
   * the facts cannot change between the decision and the write. The store
   * still guards the stock (the decrement is conditional); a key of another
   * sale, which no book holds, is found through the key filter and the key
   * index.
   */
  #reserveInTransaction(request: ReserveRequest, sale: Sale): ReserveResult {
    const book = this.#books.get(sale.id);
    const key = bookKey(request.userId, request.idempotencyKey);
    const facts = {
      sale,
      now: request.now,
      quantity: request.quantity,
      available: book.available,
      userHolding: book.holdings.get(request.userId) ?? 0,
      previous: undefined,
    };
    const previous = book.keys.get(key);
    if (previous !== undefined) return decideRetry(sale, request.quantity, this.#reservation(previous.id)!);
    const decision = decidePurchase(facts);
    if (decision.kind === 'reserved') return decision;
    // A key of another sale (no book of this sale knows it) still decides first.
    const elsewhere = this.#byKey(request);
    if (elsewhere !== undefined) return decideRetry(sale, request.quantity, elsewhere);
    if (decision.kind !== 'reserve') return decision;
    const reservation = newReservation(sale, request, {
      id: this.#ids.next(request.now),
      orderId: this.#ids.next(request.now),
    });
    const inserted = this.#sql.insertReservation.run(
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
      request.requestId ?? null,
    );
    this.#usedKeys.add(request.userId, request.idempotencyKey);
    this.#keys.added(request.userId, request.idempotencyKey, Number(inserted.lastInsertRowid));
    // Last, once nothing of this write can throw: a write rolled back alone has added nothing here.
    this.#untaken.set(sale.id, (this.#untaken.get(sale.id) ?? 0) + request.quantity);
    book.available -= request.quantity;
    book.holdings.set(request.userId, facts.userHolding + request.quantity);
    book.keys.set(key, {
      id: reservation.id,
      userId: request.userId,
      idempotencyKey: request.idempotencyKey,
      live: true,
    });
    return { kind: 'reserved', reservation, replayed: false };
  }

  /**
   * Subtracts the batch's reserved units from the stored stock, guarded by
   * the store (the decrement needs the units): a refusal means the books
   * and the store disagree, and the whole batch is rolled back.
   */
  #takeUntaken(onlySaleId?: string): void {
    for (const [saleId, units] of this.#untaken) {
      if (onlySaleId !== undefined && saleId !== onlySaleId) continue;
      this.#untaken.delete(saleId);
      if (this.#sql.take.run(units, saleId, units).changes !== 1) {
        this.#books.forget(saleId);
        throw new Error('embedded ledger: the sale books and the stored stock disagree');
      }
    }
  }

  /** The reservation made under the key in any sale: memory says "never" for almost every fresh key. */
  #byKey(request: Pick<ReserveRequest, 'userId' | 'idempotencyKey'>): Reservation | undefined {
    if (!this.#usedKeys.mightHave(request.userId, request.idempotencyKey)) return undefined;
    const seq = this.#keys.seqOf(request.userId, request.idempotencyKey);
    const row = seq === undefined ? undefined : this.#sql.bySeq.get(seq);
    return row === undefined ? undefined : reservationFromRow(row);
  }
}

/** The filter of every key the store holds, read once when the ledger opens (about a second per million). */
function usedKeysOf(db: DatabaseSync): KeyFilter {
  const count = db.prepare('SELECT COUNT(*) AS n FROM reservations').get()!.n as number;
  const filter = new KeyFilter(Math.max(1 << 20, count * 2));
  for (const row of db.prepare('SELECT user_id, idempotency_key FROM reservations').iterate()) {
    filter.add(row.user_id as string, row.idempotency_key as string);
  }
  return filter;
}
