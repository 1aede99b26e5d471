import type { Sale } from '../domain/sale.ts';
import type { Clock } from '../ports/clock.ts';
import type { EdgeSaleStatus } from '../ports/edge-sale-status.ts';
import type { StockLedger } from '../ports/stock-ledger.ts';

export interface EdgeStatusOptions {
  /** The store, or a factory loading it on first use (keeps its SDK off a cold start). */
  readonly store: EdgeSaleStatus | (() => Promise<EdgeSaleStatus>);
  readonly ledger: Pick<StockLedger, 'getSale'>;
  readonly clock: Clock;
  /** How long a sold-out mark holds at the edge unless renewed; bounds the harm of a lost clear. */
  readonly markMs?: number;
  /** A publication failed: the edge then sends more to the origin, never refuses more. */
  readonly onError?: (error: unknown, what: string) => void;
}

export const DEFAULT_MARK_MS = 60_000;

/**
 * Tells the edge (infra/edge/sale-gate.js) what it may refuse without the
 * Region: before a sale's start, and while it is sold out. The rule is that
 * a stale edge only ever sends a purchase on to the origin, so:
 * - a sold-out mark is written only after the stock ledger said sold out, and
 *   read back: units that came back meanwhile remove it again;
 * - units coming back (a release) remove the mark before the release and once
 *   more after it, so a mark written in between, from an answer the release
 *   made stale, does not outlive it (`beforeRelease`, `afterRelease`);
 * - every mark ends by itself (`markMs`): a lost clear costs at most that long.
 * Every method resolves, never rejects: the edge is an optimisation, and
 * nothing the app does waits on it succeeding.
 */
export class EdgeStatusPublisher {
  readonly #store: () => Promise<EdgeSaleStatus>;
  readonly #ledger: Pick<StockLedger, 'getSale'>;
  readonly #clock: Clock;
  readonly #markMs: number;
  readonly #onError: (error: unknown, what: string) => void;
  /** Per sale: not before this time does this process write the sale's mark again. */
  readonly #renewAfter = new Map<string, number>();
  readonly #marking = new Set<string>();

  constructor(options: EdgeStatusOptions) {
    const { store } = options;
    let loaded: Promise<EdgeSaleStatus> | undefined;
    this.#store =
      typeof store === 'function'
        ? () => {
            loaded ??= store().catch((error: unknown) => {
              loaded = undefined;
              throw error;
            });
            return loaded;
          }
        : () => Promise.resolve(store);
    this.#ledger = options.ledger;
    this.#clock = options.clock;
    this.#markMs = options.markMs ?? DEFAULT_MARK_MS;
    this.#onError = options.onError ?? (() => {});
  }

  /** A new sale: the edge refuses its purchases until it starts. */
  async saleOpened(sale: Sale): Promise<void> {
    await this.#attempt('start', async (store) => store.publishStart(sale.id, sale.startsAt));
  }

  /**
   * The stock ledger just answered sold_out for this sale. Marks it at the
   * edge unless a mark that holds long enough is already there (this process's
   * or another's), so a crowd of losers costs a few writes, not one each.
   */
  async soldOut(saleId: string): Promise<void> {
    const now = this.#clock.now();
    if (this.#marking.has(saleId) || now < (this.#renewAfter.get(saleId) ?? 0)) return;
    this.#marking.add(saleId);
    try {
      await this.#attempt('sold out', async (store) => {
        const current = await store.soldOutMark(saleId);
        if (current !== undefined && current.until - now > this.#markMs / 2) {
          this.#renewAfter.set(saleId, current.until - this.#markMs / 2);
          return;
        }
        const before = await this.#ledger.getSale(saleId);
        if (before === undefined || before.available > 0 || now >= before.sale.endsAt) return;
        const until = Math.min(now + this.#markMs, before.sale.endsAt);
        await store.publishSoldOut(saleId, { until });
        // Units released between the ledger's answer and the write above: their release may have
        // cleared before the write landed, so the mark goes again.
        const after = await this.#ledger.getSale(saleId);
        if (after === undefined || after.available > 0) {
          await store.clearSoldOut(saleId);
          return;
        }
        this.#renewAfter.set(saleId, until - this.#markMs / 2);
      });
    } finally {
      this.#marking.delete(saleId);
    }
  }

  /** Units of these sales are about to go back on sale: the edge stops refusing first. */
  async beforeRelease(saleIds: Iterable<string>): Promise<void> {
    await this.#clear(saleIds, 'units back (before release)');
  }

  /** Units of these sales went back on sale: removes any mark written while they were released. */
  async afterRelease(saleIds: Iterable<string>): Promise<void> {
    await this.#clear(saleIds, 'units back (after release)');
  }

  async #clear(saleIds: Iterable<string>, what: string): Promise<void> {
    const unique = [...new Set(saleIds)];
    await Promise.all(
      unique.map((saleId) => {
        this.#renewAfter.delete(saleId);
        return this.#attempt(what, (store) => store.clearSoldOut(saleId));
      }),
    );
  }

  async #attempt(what: string, work: (store: EdgeSaleStatus) => Promise<void>): Promise<void> {
    try {
      await work(await this.#store());
    } catch (error) {
      this.#onError(error, what);
    }
  }
}
