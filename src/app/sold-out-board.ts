import type { SoldOutSignal } from '../ports/sold-out-signal.ts';
import type { StockLedger } from '../ports/stock-ledger.ts';

interface SoldOutEntry {
  /** Users holding units of the sale: their retries must reach the store (replays answer 201). */
  readonly holders: ReadonlySet<string>;
  readonly endsAt: number;
  trustedUntil: number;
}

/**
 * Lets a losing purchase be refused from memory once a sale is sold out, so
 * a stampede of losers costs no store access. The flag is set when the store
 * answers sold_out (here or in another process, through the signal), cleared
 * when units come back, and trusted only for `trustMs` after the store last
 * said so: a lost "restocked" message delays a sale by at most that long.
 * Shoppers who hold units of the sale always go to the store, so a retried
 * idempotency key still gets its first answer.
 */
export class SoldOutBoard {
  readonly #ledger: StockLedger;
  readonly #signal: SoldOutSignal;
  readonly #trustMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, SoldOutEntry>();
  readonly #learning = new Set<string>();
  readonly #unsubscribe: () => void;

  constructor(options: { ledger: StockLedger; signal: SoldOutSignal; now: () => number; trustMs?: number }) {
    this.#ledger = options.ledger;
    this.#signal = options.signal;
    this.#now = options.now;
    this.#trustMs = options.trustMs ?? 1000;
    this.#unsubscribe = this.#signal.subscribe((saleId, soldOut) => {
      if (soldOut) void this.#learn(saleId);
      else this.#entries.delete(saleId);
    });
  }

  /** True when this purchase may be refused as sold out without asking the store. */
  refuses(saleId: string, userId: string, now: number): boolean {
    const entry = this.#entries.get(saleId);
    if (entry === undefined) return false;
    if (now >= entry.trustedUntil || now >= entry.endsAt) return false;
    return !entry.holders.has(userId);
  }

  /** The store just answered sold_out for this sale. */
  soldOut(saleId: string): void {
    const entry = this.#entries.get(saleId);
    if (entry !== undefined && this.#now() < entry.trustedUntil) return;
    void this.#learn(saleId).then((learned) => {
      if (learned) this.#signal.announce(saleId, true);
    });
  }

  /** Units of this sale went back on sale. */
  restocked(saleId: string): void {
    this.#entries.delete(saleId);
    this.#signal.announce(saleId, false);
  }

  close(): void {
    this.#unsubscribe();
  }

  async #learn(saleId: string): Promise<boolean> {
    if (this.#learning.has(saleId)) return false;
    this.#learning.add(saleId);
    try {
      const [snapshot, holders] = await Promise.all([
        this.#ledger.getSale(saleId),
        this.#ledger.listHolders(saleId),
      ]);
      // Re-checked after reading the holders: units that came back meanwhile win.
      if (snapshot === undefined || snapshot.available > 0) return false;
      this.#entries.set(saleId, {
        holders: new Set(holders),
        endsAt: snapshot.sale.endsAt,
        trustedUntil: this.#now() + this.#trustMs,
      });
      return true;
    } catch {
      // The flag is an optimisation: without it every purchase simply asks the store.
      return false;
    } finally {
      this.#learning.delete(saleId);
    }
  }
}
