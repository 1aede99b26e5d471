import type { OrderChangeFeed, OrderChangeListener } from '../../../ports/order-change-feed.ts';
import type { OrderNotification } from '../../../ports/order-notifier.ts';

const RELAY_CHANNEL = 'flashsale:order-relay';

/** What the main thread serves the HTTP threads (over port-rpc): watching orders on their behalf. */
export interface OrderFeedRelay {
  watch(orderId: string): Promise<void>;
  unwatch(orderId: string): Promise<void>;
}

/**
 * The main thread's side: watches an order on the process's own feed (the
 * shape's, Redis in a cluster) while any HTTP thread asks, and passes its
 * changes to every thread on one BroadcastChannel.
 */
export function orderFeedRelay(feed: OrderChangeFeed): OrderFeedRelay & { close(): void } {
  const channel = new BroadcastChannel(RELAY_CHANNEL);
  channel.unref();
  const watched = new Map<string, { count: number; stop: Promise<() => void> }>();
  return {
    async watch(orderId) {
      const entry = watched.get(orderId);
      if (entry !== undefined) {
        entry.count++;
        await entry.stop;
        return;
      }
      const stop = feed.watch(orderId, (change) => channel.postMessage(change));
      watched.set(orderId, { count: 1, stop });
      await stop;
    },
    async unwatch(orderId) {
      const entry = watched.get(orderId);
      if (entry === undefined || --entry.count > 0) return;
      watched.delete(orderId);
      (await entry.stop)();
    },
    close() {
      watched.clear();
      channel.close();
    },
  };
}

/**
 * An HTTP thread's feed: asks the main thread to watch (orders are watched
 * once per thread, whatever the number of subscribers) and hears the changes
 * it relays. Threads publish nothing: the order worker runs on the main thread.
 */
export class RelayedOrderFeed implements OrderChangeFeed {
  readonly #relay: OrderFeedRelay;
  readonly #channel = new BroadcastChannel(RELAY_CHANNEL);
  readonly #watchers = new Map<string, Set<OrderChangeListener>>();

  constructor(relay: OrderFeedRelay) {
    this.#relay = relay;
    this.#channel.onmessage = (event: unknown) => {
      const change = (event as { data?: OrderNotification }).data;
      const set = change === undefined ? undefined : this.#watchers.get(change.orderId);
      if (set !== undefined) for (const listener of [...set]) listener(change!);
    };
    this.#channel.unref();
  }

  async orderChanged(): Promise<void> {
    throw new Error('an HTTP thread publishes no order changes: the order worker runs on the main thread');
  }

  async watch(orderId: string, listener: OrderChangeListener): Promise<() => void> {
    let set = this.#watchers.get(orderId);
    const first = set === undefined;
    if (set === undefined) {
      set = new Set();
      this.#watchers.set(orderId, set);
    }
    set.add(listener);
    if (first) await this.#relay.watch(orderId);
    return () => {
      set.delete(listener);
      if (set.size > 0 || this.#watchers.get(orderId) !== set) return;
      this.#watchers.delete(orderId);
      this.#relay.unwatch(orderId).catch(() => {});
    };
  }

  async close(): Promise<void> {
    this.#watchers.clear();
    this.#channel.close();
  }
}
