import type { Sale } from '../domain/sale.ts';
import type { StockLedger } from '../ports/stock-ledger.ts';

/**
 * The sales this process has seen. A sale never changes once opened (only
 * its stock, which is not kept here), so a copy stays true for good and lets
 * a purchase that comes too early be refused without asking the store.
 */
export class SaleCache {
  readonly #ledger: StockLedger;
  readonly #sales = new Map<string, Sale>();
  readonly #loading = new Set<string>();

  constructor(ledger: StockLedger) {
    this.#ledger = ledger;
  }

  /** The sale if this process has seen it; otherwise undefined, and it is fetched in the background. */
  peek(saleId: string): Sale | undefined {
    const sale = this.#sales.get(saleId);
    if (sale === undefined && !this.#loading.has(saleId)) void this.#load(saleId);
    return sale;
  }

  async #load(saleId: string): Promise<void> {
    this.#loading.add(saleId);
    try {
      const snapshot = await this.#ledger.getSale(saleId);
      if (snapshot !== undefined) this.#sales.set(saleId, snapshot.sale);
    } catch {
      // A cache miss only costs a trip to the store.
    } finally {
      this.#loading.delete(saleId);
    }
  }
}
