import { decidePurchase, type PurchaseRefusal } from '../domain/purchase-decision.ts';
import type { Sale } from '../domain/sale.ts';
import type { SoldOutSignal } from '../ports/sold-out-signal.ts';
import type { StockLedger } from '../ports/stock-ledger.ts';

interface SoldOutEntry {
  /** Who holds units of the sale, and how many. */
  readonly holdings: ReadonlyMap<string, number>;
  readonly holdingsReadAt: number;
  readonly sale: Sale;
  trustedUntil: number;
}

const HOLDINGS_MAX_AGE_MS = 10_000;

export interface PurchaseAttempt {
  readonly saleId: string;
  readonly userId: string;
  readonly quantity: number;
}

/**
 * Lets a losing purchase be refused from memory once a sale is sold out, so
 * a stampede of losers costs no store access. The flag is set when the store
 * answers sold_out (here or in another process, through the signal), cleared
 * when units come back, and trusted only for `trustMs` after the store last
 * said so (re-read in the background shortly before): a lost "restocked"
 * message delays a sale by at most that long.
 * The board says what `decidePurchase` says of a new key on a sale with no
 * units left: limit_exceeded past the shopper's limit, otherwise sold_out.
 * It knows each holder's units, not their keys: that answer holds only once
 * the store says the key is new (`StockLedger.hasUsedKey`, see purchase.ts),
 * so a retry of any key the store knows, held, paid, released or of another
 * sale, goes to the store and gets its first answer (I5). Units, not keys,
 * keep the read at the sell-out small: one entry per holder, where the keys
 * meant reading every reservation.
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

  /** The store's answer to this attempt if its key is new, when memory can give it; undefined: ask the store. */
  refusal(attempt: PurchaseAttempt, now: number): PurchaseRefusal | undefined {
    const entry = this.#entries.get(attempt.saleId);
    if (entry === undefined) return undefined;
    if (now >= entry.trustedUntil || now >= entry.sale.endsAt) return undefined;
    // Re-read in the background before the trust runs out, so the crowd never falls through to the store.
    if (now >= entry.trustedUntil - this.#trustMs / 4) void this.#learn(attempt.saleId);
    const decision = decidePurchase({
      sale: entry.sale,
      now,
      quantity: attempt.quantity,
      available: 0,
      userHolding: entry.holdings.get(attempt.userId) ?? 0,
      // Taken for a new key: the caller asks the store whether it is (see the class comment).
      previous: undefined,
    });
    return decision.kind === 'reserve' || decision.kind === 'reserved' ? undefined : decision;
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
      // While a sale stays sold out its holdings cannot grow (units only come back through a
      // release, which clears the flag), so a renewal re-reads the stock alone, and the
      // holdings only every HOLDINGS_MAX_AGE_MS in case a "restocked" message was lost.
      const known = this.#entries.get(saleId);
      const now = this.#now();
      const renewing = known !== undefined && now - known.holdingsReadAt < HOLDINGS_MAX_AGE_MS;
      const [snapshot, holdings] = await Promise.all([
        this.#ledger.getSale(saleId),
        renewing ? undefined : this.#ledger.listHoldings(saleId),
      ]);
      // Re-checked after reading the holdings: units that came back meanwhile win.
      if (snapshot === undefined || snapshot.available > 0) {
        this.#entries.delete(saleId);
        return false;
      }
      this.#entries.set(saleId, {
        holdings:
          holdings === undefined ? known!.holdings : new Map(holdings.map((h) => [h.userId, h.units])),
        holdingsReadAt: holdings === undefined ? known!.holdingsReadAt : now,
        sale: snapshot.sale,
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
