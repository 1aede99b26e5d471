import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Holding } from '../../ports/stock-ledger.ts';

/**
 * What deciding a purchase needs of one sale, kept in memory by the process
 * that owns the store: units left, each shopper's held + paid units, and the
 * reservation made under each of the sale's (shopper, idempotency key).
 */
export interface LiveSaleBook {
  available: number;
  readonly holdings: Map<string, number>;
  /** Every reservation of the sale, by `bookKey(userId, idempotencyKey)`. */
  readonly keys: Map<string, BookedReservation>;
}

export interface BookedReservation {
  readonly id: string;
  readonly userId: string;
  readonly idempotencyKey: string;
  /** Held or paid: its units count against the stock and the shopper's limit. */
  live: boolean;
}

export function bookKey(userId: string, idempotencyKey: string): string {
  return `${userId}\u0000${idempotencyKey}`;
}

/**
 * The books of the sales purchases were asked of, read from the store on
 * first use and kept in step by the ledger's writes. They are a copy: the
 * store stays the arbiter (the conditional decrement, the unique key), and
 * any rollback drops them all, to be read again inside the next write.
 */
export class LiveSaleBooks {
  readonly #books = new Map<string, LiveSaleBook>();
  readonly #available: StatementSync;
  readonly #reservations: StatementSync;

  /** Units taken by this transaction's reservations and not yet subtracted from the stored stock. */
  readonly #untaken: (saleId: string) => number;

  constructor(db: DatabaseSync, untaken: (saleId: string) => number) {
    this.#untaken = untaken;
    this.#available = db.prepare('SELECT available FROM sales WHERE id = ?');
    this.#reservations = db.prepare(
      'SELECT id, user_id, idempotency_key, quantity, state FROM reservations WHERE sale_id = ?',
    );
  }

  /** The sale's book; read from the store when absent (call inside a write, so the read is current). */
  get(saleId: string): LiveSaleBook {
    let book = this.#books.get(saleId);
    if (book === undefined) {
      book = this.#load(saleId);
      this.#books.set(saleId, book);
    }
    return book;
  }

  /** The sale's book if it is in memory; the store alone is current otherwise. */
  peek(saleId: string): LiveSaleBook | undefined {
    return this.#books.get(saleId);
  }

  /** The shoppers holding units of a sale whose book is in memory, and how many. */
  holdings(saleId: string): Holding[] | undefined {
    const book = this.#books.get(saleId);
    if (book === undefined) return undefined;
    const holdings: Holding[] = [];
    // A shopper whose units all went back keeps an entry of 0.
    for (const [userId, units] of book.holdings) if (units > 0) holdings.push({ userId, units });
    return holdings;
  }

  forget(saleId: string): void {
    this.#books.delete(saleId);
  }

  clear(): void {
    this.#books.clear();
  }

  #load(saleId: string): LiveSaleBook {
    const book: LiveSaleBook = {
      available: (this.#available.get(saleId)!.available as number) - this.#untaken(saleId),
      holdings: new Map(),
      keys: new Map(),
    };
    for (const row of this.#reservations.iterate(saleId)) {
      const userId = row.user_id as string;
      const idempotencyKey = row.idempotency_key as string;
      // mirrors decidePurchase's userHolding (held + paid units) in domain/purchase-decision.ts
      const live = row.state !== 'released';
      book.keys.set(bookKey(userId, idempotencyKey), { id: row.id as string, userId, idempotencyKey, live });
      if (live) book.holdings.set(userId, (book.holdings.get(userId) ?? 0) + (row.quantity as number));
    }
    return book;
  }
}
