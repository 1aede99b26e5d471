import type { BroadcastChannel as Channel } from 'node:worker_threads';
import type { OrderChangeFeed, OrderChangeListener } from '../../ports/order-change-feed.ts';
import type { OrderNotification } from '../../ports/order-notifier.ts';

/**
 * Order changes between the threads of one process (the embedded shape):
 * changes published in one turn of the event loop cross on one
 * BroadcastChannel message, and every thread (this one included) hands them
 * to the watchers of each order. Node's global BroadcastChannel, as in
 * BroadcastSoldOutSignal.
 */
export class BroadcastOrderFeed implements OrderChangeFeed {
  /** Absent: this feed's watchers are the process's only ones (one thread, or threads that relay). */
  readonly #channel: Channel | undefined;
  readonly #watchers = new Map<string, Set<OrderChangeListener>>();
  #outgoing: OrderNotification[] = [];

  /**
   * `channelName`: the BroadcastChannel shared with the feeds of the other
   * threads; without one, changes reach this feed's own watchers only, and
   * with none of them watching a change costs nothing.
   */
  constructor(channelName?: string) {
    if (channelName === undefined) {
      this.#channel = undefined;
      return;
    }
    const channel = new BroadcastChannel(channelName);
    channel.onmessage = (event: unknown) => {
      const data = (event as { data?: unknown }).data;
      if (Array.isArray(data)) this.#deliver(data as OrderNotification[]);
    };
    channel.unref();
    this.#channel = channel;
  }

  listening(): boolean {
    return this.#channel !== undefined || this.#watchers.size > 0;
  }

  async orderChanged(change: OrderNotification): Promise<void> {
    if (!this.listening()) return;
    this.#outgoing.push(change);
    if (this.#outgoing.length === 1) setImmediate(() => this.#flush());
  }

  async watch(orderId: string, listener: OrderChangeListener): Promise<() => void> {
    let set = this.#watchers.get(orderId);
    if (set === undefined) {
      set = new Set();
      this.#watchers.set(orderId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#watchers.get(orderId) === set) this.#watchers.delete(orderId);
    };
  }

  async close(): Promise<void> {
    this.#watchers.clear();
    this.#outgoing = [];
    this.#channel?.close();
  }

  #flush(): void {
    const batch = this.#outgoing;
    this.#outgoing = [];
    if (batch.length === 0) return;
    // A channel does not hear its own messages: this thread's watchers are told directly.
    this.#deliver(batch);
    this.#channel?.postMessage(batch);
  }

  #deliver(batch: readonly OrderNotification[]): void {
    if (this.#watchers.size === 0) return;
    for (const change of batch) {
      const set = this.#watchers.get(change.orderId);
      if (set !== undefined) for (const listener of [...set]) listener(change);
    }
  }
}
