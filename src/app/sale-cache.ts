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
  readonly #loading = new Map<string, Promise<Sale | undefined>>();

  constructor(ledger: StockLedger) {
    this.#ledger = ledger;
  }

  /** The sale if this process has seen it; otherwise undefined, and it is fetched in the background. */
  peek(saleId: string): Sale | undefined {
    const sale = this.#sales.get(saleId);
    if (sale === undefined && !this.#loading.has(saleId)) void this.#load(saleId);
    return sale;
  }

  /** The sale, from memory or else from the store (once per sale however many ask at a time). */
  async get(saleId: string): Promise<Sale | undefined> {
    const sale = this.#sales.get(saleId);
    if (sale !== undefined) return sale;
    let loading = this.#loading.get(saleId);
    if (loading === undefined) {
      loading = this.#fetch(saleId);
      this.#loading.set(saleId, loading);
    }
    return loading;
  }

  async #load(saleId: string): Promise<void> {
    try {
      await this.get(saleId);
    } catch {
      // A cache miss only costs a trip to the store.
    }
  }

  async #fetch(saleId: string): Promise<Sale | undefined> {
    try {
      const snapshot = await this.#ledger.getSale(saleId);
      if (snapshot !== undefined) this.#sales.set(saleId, snapshot.sale);
      return snapshot?.sale;
    } finally {
      this.#loading.delete(saleId);
    }
  }
}
