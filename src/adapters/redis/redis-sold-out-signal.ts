import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { SoldOutListener, SoldOutSignal } from '../../ports/sold-out-signal.ts';

interface SoldOutMessage {
  readonly origin: string;
  readonly saleId: string;
  readonly soldOut: boolean;
}

function parseMessage(text: string): SoldOutMessage | undefined {
  try {
    const data = JSON.parse(text) as Record<string, unknown>;
    if (typeof data.origin !== 'string' || typeof data.saleId !== 'string') return undefined;
    if (typeof data.soldOut !== 'boolean') return undefined;
    return { origin: data.origin, saleId: data.saleId, soldOut: data.soldOut };
  } catch {
    return undefined;
  }
}

/**
 * Sold-out announcements between server processes over Redis pub/sub: one
 * channel per deployment (its key prefix), a connection of its own for
 * listening (a subscribed connection can do nothing else). Pub/sub keeps no
 * message for a process that is not connected; the board that listens trusts
 * a flag only briefly, so a lost message costs one trip to the store.
 */
export class RedisSoldOutSignal implements SoldOutSignal {
  readonly #publisher: Pick<Redis, 'publish'>;
  readonly #subscriber: Redis;
  readonly #channel: string;
  readonly #origin = randomUUID();
  readonly #listeners = new Set<SoldOutListener>();

  private constructor(publisher: Pick<Redis, 'publish'>, subscriber: Redis, channel: string) {
    this.#publisher = publisher;
    this.#subscriber = subscriber;
    this.#channel = channel;
    subscriber.on('message', (from: string, text: string) => {
      if (from !== this.#channel) return;
      const message = parseMessage(text);
      if (message === undefined || message.origin === this.#origin) return;
      for (const listener of this.#listeners) listener(message.saleId, message.soldOut);
    });
  }

  /** Subscribes `subscriber` (a connection of its own, closed with the signal) to `channel`. */
  static async open(
    publisher: Pick<Redis, 'publish'>,
    subscriber: Redis,
    channel: string,
  ): Promise<RedisSoldOutSignal> {
    const signal = new RedisSoldOutSignal(publisher, subscriber, channel);
    await subscriber.subscribe(channel);
    return signal;
  }

  announce(saleId: string, soldOut: boolean): void {
    const message: SoldOutMessage = { origin: this.#origin, saleId, soldOut };
    // Best effort: without the message, other processes simply ask the store.
    this.#publisher.publish(this.#channel, JSON.stringify(message)).catch(() => {});
  }

  subscribe(listener: SoldOutListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#listeners.clear();
    this.#subscriber.disconnect();
  }
}
