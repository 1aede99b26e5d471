import type { AppDeps } from '../app/deps.ts';
import { viewSale } from '../app/sales.ts';
import { MetricsHistory } from '../observability/metrics-history.ts';
import type { MetricsSnapshot } from '../observability/prometheus.ts';
import type { SaleSnapshot } from '../ports/stock-ledger.ts';
import type { AlarmState, DashboardSnapshot, QueueFigures, SaleFigures } from './snapshot.ts';

export interface CollectorOptions {
  readonly deps: Pick<AppDeps, 'ledger' | 'orders' | 'queue' | 'clock'>;
  readonly backend: string;
  /** Every HTTP thread's metrics registry (they are summed). */
  readonly metrics: () => Promise<readonly MetricsSnapshot[]>;
  /** The alarms' states as they are now (none where no rule is evaluated). */
  readonly alarms?: () => readonly AlarmState[];
  /** Sales listed at most (not ended first, newest first). */
  readonly maxSales?: number;
  /** How far back latency quantiles reach. */
  readonly windowMs?: number;
}

const ENDED_SHOWN_MS = 3_600_000;
/** Two callers (the page's stream, another thread's) within this time get the same snapshot. */
const FRESH_MS = 900;

/**
 * Gathers one dashboard snapshot from the stores and the metrics registry.
 * Collections never overlap and are shared: whoever asks while one is under
 * way, or just after, gets that one, so N watchers cost one read a second.
 */
export class DashboardCollector {
  readonly #options: CollectorOptions;
  readonly #window: MetricsHistory;
  #latest: { readonly at: number; readonly snapshot: Promise<DashboardSnapshot> } | undefined;

  constructor(options: CollectorOptions) {
    this.#options = options;
    this.#window = new MetricsHistory({
      purchaseRoute: '/v1/sales/:id/purchase',
      keepMs: options.windowMs ?? 300_000,
    });
  }

  latest(): Promise<DashboardSnapshot> {
    const now = this.#options.deps.clock.now();
    if (this.#latest === undefined || now - this.#latest.at >= FRESH_MS) {
      this.#latest = { at: now, snapshot: this.#collect(now) };
    }
    return this.#latest.snapshot;
  }

  async #collect(now: number): Promise<DashboardSnapshot> {
    const { deps } = this.#options;
    const [metrics, store] = await Promise.all([
      this.#options.metrics(),
      Promise.all([this.#sales(now), this.#queue(now)]).then(
        ([sales, queue]) => ({ ...sales, queue, storeError: null }),
        (error: unknown) => ({
          sales: [],
          salesNotShown: 0,
          queue: null,
          storeError: error instanceof Error ? error.message : String(error),
        }),
      ),
    ]);
    this.#window.add(deps.clock.now(), metrics);
    const figures = this.#window.figures();
    return {
      at: now,
      backend: this.#options.backend,
      ...store,
      purchases: {
        perSecond: figures.perSecond,
        total: figures.total,
        latency: {
          windowSeconds: figures.windowSeconds,
          count: figures.count,
          p50Ms: figures.p50Ms,
          p99Ms: figures.p99Ms,
          ceilingMs: figures.ceilingMs,
        },
      },
      alarms: this.#options.alarms?.() ?? [],
    };
  }

  async #sales(now: number): Promise<{ sales: SaleFigures[]; salesNotShown: number }> {
    const { ledger, orders } = this.#options.deps;
    const all = await ledger.listSales();
    const shown = all
      .filter((s) => s.sale.endsAt > now - ENDED_SHOWN_MS)
      .sort(byInterest(now))
      .slice(0, this.#options.maxSales ?? 12);
    const sales = await Promise.all(
      shown.map(async (snapshot): Promise<SaleFigures> => {
        const view = viewSale(snapshot, now);
        return {
          id: view.id,
          sku: view.sku,
          name: view.name,
          status: view.status,
          startsAt: view.startsAt,
          endsAt: view.endsAt,
          stock: view.stock,
          available: view.available,
          perUserLimit: view.perUserLimit,
          orders: await orders.countByStatus(view.id),
        };
      }),
    );
    return { sales, salesNotShown: all.length - sales.length };
  }

  async #queue(now: number): Promise<QueueFigures> {
    const { queue } = this.#options.deps;
    const [depth, oldest] = await Promise.all([queue.depth(), queue.oldestPendingAt()]);
    return {
      pending: depth.pending,
      dead: depth.dead,
      oldestPendingAgeMs: oldest === null || oldest === undefined ? null : Math.max(0, now - oldest),
      oldestPendingAgeKnown: oldest !== undefined,
    };
  }
}

/** Sales not ended before ended ones, then the newest first. */
function byInterest(now: number): (a: SaleSnapshot, b: SaleSnapshot) => number {
  return (a, b) =>
    Number(a.sale.endsAt <= now) - Number(b.sale.endsAt <= now) || b.sale.createdAt - a.sale.createdAt;
}
