import type { EventQueue } from './event-queue.ts';
import type { OrderChangeFeed } from './order-change-feed.ts';
import type { OrderProjection } from './order-projection.ts';
import type { OrderStore } from './order-store.ts';
import type { PurchaseLimiter, PurchaseLimits } from './purchase-limiter.ts';
import type { KeyFilterSource } from './shared-key-filter.ts';
import type { SoldOutSignal } from './sold-out-signal.ts';
import type { StockLedger } from './stock-ledger.ts';

/** One storage shape's set of ports, as the composition root hands them to the app. */
export interface Backend {
  readonly name: string;
  readonly ledger: StockLedger;
  readonly orders: OrderStore;
  readonly queue: EventQueue;
  /** Present where the store can confirm new reservations' orders in bulk (see OrderProjection). */
  readonly orderProjection?: OrderProjection | undefined;
  /** Carries sold-out flags between the server processes (or threads) of this shape. */
  readonly soldOut: SoldOutSignal;
  /** Carries order changes to the watchers of every thread or process of this shape (GraphQL subscriptions). */
  readonly orderFeed?: OrderChangeFeed | undefined;
  /** The ledger's used keys in shared memory, for the process's other HTTP threads; absent where the ledger is remote. */
  readonly usedKeys?: KeyFilterSource | undefined;
  /** Rate limits counted where every process of this shape sees them; absent: each runtime counts its own. */
  readonly sharedPurchaseLimiter?: ((limits: PurchaseLimits) => PurchaseLimiter) | undefined;
  close(): Promise<void>;
}
