import type { OrderNotification, OrderNotifier } from './order-notifier.ts';

export type OrderChangeListener = (change: OrderNotification) => void;

/**
 * Order changes, told by whoever moves an order (the order worker) to
 * whoever watches it (a GraphQL subscription), across the threads or
 * processes of one deployment. The publishing half is an OrderNotifier, so
 * the worker publishes here exactly as the Lambda consumer publishes to SNS.
 *
 * Best effort, at most once: a watcher that was not listening when a change
 * was published never hears of it, so a watcher reads the order's current
 * state once it listens (see order-updates.ts). Leaves out any history,
 * replay or delivery guarantee: that is the event queue's job.
 */
export interface OrderChangeFeed extends OrderNotifier {
  /**
   * Calls `listener` with each change of `orderId` published once the
   * returned promise has resolved (the feed is then listening); resolves to
   * what stops it.
   */
  watch(orderId: string, listener: OrderChangeListener): Promise<() => void>;
  close(): Promise<void>;
}
