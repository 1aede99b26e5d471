import type { Redis } from 'ioredis';
import type { OrderChangeFeed, OrderChangeListener } from '../../ports/order-change-feed.ts';
import type { OrderNotification } from '../../ports/order-notifier.ts';
import type { RedisKeys } from './redis-keys.ts';

function parseChange(text: string): OrderNotification | undefined {
  try {
    const data = JSON.parse(text) as Partial<OrderNotification>;
    return typeof data.orderId === 'string' && typeof data.status === 'string'
      ? (data as OrderNotification)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Order changes between the processes of a cluster over Redis pub/sub: one
 * channel per order, so an API process receives only the orders its
 * subscribers watch (it subscribes on the first watcher, unsubscribes after
 * the last), and a change nobody watches costs Redis one lookup. Listening
 * takes a connection of its own (a subscribed connection can do nothing else).
 */
export class RedisOrderFeed implements OrderChangeFeed {
  readonly #publisher: Pick<Redis, 'publish'>;
  readonly #subscriber: Redis;
  readonly #keys: RedisKeys;
  /** By channel name. */
  readonly #watchers = new Map<string, Set<OrderChangeListener>>();

  constructor(publisher: Pick<Redis, 'publish'>, subscriber: Redis, keys: RedisKeys) {
    this.#publisher = publisher;
    this.#subscriber = subscriber;
    this.#keys = keys;
    subscriber.on('message', (channel: string, text: string) => {
      const set = this.#watchers.get(channel);
      if (set === undefined) return;
      const change = parseChange(text);
      if (change !== undefined) for (const listener of [...set]) listener(change);
    });
  }

  async orderChanged(change: OrderNotification): Promise<void> {
    await this.#publisher.publish(this.#keys.orderChangesChannel(change.orderId), JSON.stringify(change));
  }

  async watch(orderId: string, listener: OrderChangeListener): Promise<() => void> {
    const channel = this.#keys.orderChangesChannel(orderId);
    let set = this.#watchers.get(channel);
    if (set === undefined) {
      set = new Set();
      this.#watchers.set(channel, set);
    }
    set.add(listener);
    // SUBSCRIBE again for a channel already subscribed is harmless, and its reply says Redis is listening.
    await this.#subscriber.subscribe(channel);
    return () => {
      set.delete(listener);
      if (set.size > 0 || this.#watchers.get(channel) !== set) return;
      this.#watchers.delete(channel);
      this.#subscriber.unsubscribe(channel).catch(() => {});
    };
  }

  async close(): Promise<void> {
    this.#watchers.clear();
    this.#subscriber.disconnect();
  }
}
