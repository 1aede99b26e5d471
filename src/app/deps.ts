import type { Backend } from '../ports/backend.ts';
import type { Clock } from '../ports/clock.ts';
import type { EventQueue } from '../ports/event-queue.ts';
import type { Metrics } from '../ports/metrics.ts';
import type { OrderNotifier } from '../ports/order-notifier.ts';
import type { OrderProjection } from '../ports/order-projection.ts';
import type { OrderStore } from '../ports/order-store.ts';
import type { WorkflowLink } from '../ports/order-workflow.ts';
import type { PurchaseLimiter } from '../ports/purchase-limiter.ts';
import type { StockLedger } from '../ports/stock-ledger.ts';
import type { EdgeStatusPublisher } from './edge-status.ts';
import type { PurchaseTokens } from './purchase-tokens.ts';
import { SaleCache } from './sale-cache.ts';
import type { SoldOutBoard } from './sold-out-board.ts';

/** Everything a use case may touch. */
export interface AppDeps {
  readonly ledger: StockLedger;
  readonly orders: OrderStore;
  readonly queue: EventQueue;
  /** Confirms new reservations' orders in bulk where the store can; absent: one queued event at a time. */
  readonly orderProjection?: OrderProjection | undefined;
  readonly clock: Clock;
  readonly metrics: Metrics;
  /** Purchase rate limits (per shopper, per client address); absent means unlimited. */
  readonly purchaseLimiter: PurchaseLimiter | undefined;
  /** Refuses purchases of sold-out sales from memory; absent means every purchase asks the store. */
  readonly soldOutBoard?: SoldOutBoard | undefined;
  /** Sales seen before: lets an early purchase be refused without a store access. */
  readonly saleCache?: SaleCache | undefined;
  /** Signs and checks purchase tokens; absent: no secret, so `purchaseToken` sales cannot be created. */
  readonly purchaseTokens?: PurchaseTokens | undefined;
  /** Where the order worker tells each order's new status (GraphQL subscriptions); absent: nowhere. */
  readonly orderNotifier?: OrderNotifier | undefined;
  /** Where orders run as workflows (Step Functions), pay and cancel resume them; absent: the queue pipeline. */
  readonly orderWorkflow?: WorkflowLink | undefined;
  /** Publishes sale status to an edge that refuses early and sold-out purchases; absent: no edge. */
  readonly edgeStatus?: EdgeStatusPublisher | undefined;
}

/**
 * What a runtime adds to a backend's stores. Every part is named, so each
 * runtime says what it keeps in memory and, where it keeps nothing, why.
 */
export interface RuntimeParts {
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly purchaseLimiter: PurchaseLimiter | undefined;
  readonly soldOutBoard: SoldOutBoard | undefined;
  /** Keep the sales seen (they never change once opened) in a SaleCache. */
  readonly saleCache: boolean;
  readonly purchaseTokens?: PurchaseTokens | undefined;
  readonly edgeStatus?: EdgeStatusPublisher | undefined;
}

/** The use cases' deps: the stores of a backend (not its name, signal or `close`) and the runtime's parts. */
export function composeAppDeps(
  stores: Pick<Backend, 'ledger' | 'orders' | 'queue' | 'orderProjection'>,
  parts: RuntimeParts,
): AppDeps {
  return {
    ledger: stores.ledger,
    orders: stores.orders,
    queue: stores.queue,
    orderProjection: stores.orderProjection,
    clock: parts.clock,
    metrics: parts.metrics,
    purchaseLimiter: parts.purchaseLimiter,
    soldOutBoard: parts.soldOutBoard,
    saleCache: parts.saleCache ? new SaleCache(stores.ledger) : undefined,
    purchaseTokens: parts.purchaseTokens,
    edgeStatus: parts.edgeStatus,
  };
}
