import type { DatabaseSync, StatementSync } from 'node:sqlite';

/**
 * What deciding a purchase needs of one sale, kept in memory by the process
 * that owns the store: units left, each shopper's held + paid units, and the
 * reservation made under each of the sale's (shopper, idempotency key).
 */
export interface LiveSaleBook {
  available: number;
  readonly holdings: Map<string, number>;
  /** `bookKey(userId, idempotencyKey)` → reservation id. */
  readonly keys: Map<string, string>;
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

  constructor(db: DatabaseSync) {
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

  forget(saleId: string): void {
    this.#books.delete(saleId);
  }

  clear(): void {
    this.#books.clear();
  }

  #load(saleId: string): LiveSaleBook {
    const book: LiveSaleBook = {
      available: this.#available.get(saleId)!.available as number,
      holdings: new Map(),
      keys: new Map(),
    };
    for (const row of this.#reservations.iterate(saleId)) {
      const userId = row.user_id as string;
      book.keys.set(bookKey(userId, row.idempotency_key as string), row.id as string);
      // mirrors decidePurchase's userHolding (held + paid units) in domain/purchase-decision.ts
      if (row.state !== 'released') {
        book.holdings.set(userId, (book.holdings.get(userId) ?? 0) + (row.quantity as number));
      }
    }
    return book;
  }
}
