import type { BroadcastChannel as Channel } from 'node:worker_threads';
import type { SoldOutListener, SoldOutSignal } from '../../ports/sold-out-signal.ts';

interface SoldOutMessage {
  readonly saleId: string;
  readonly soldOut: boolean;
}

function isSoldOutMessage(data: unknown): data is SoldOutMessage {
  if (typeof data !== 'object' || data === null) return false;
  const message = data as Record<string, unknown>;
  return typeof message.saleId === 'string' && typeof message.soldOut === 'boolean';
}

/**
 * Sold-out announcements between the threads of one process (a
 * BroadcastChannel reaches every other channel of the same name in the
 * process, whichever thread holds it). Enough for the embedded shape and for
 * a warm Lambda instance; the cluster shape carries them over Redis instead.
 * The channel is Node's global BroadcastChannel (worker_threads' class):
 * importing node:worker_threads would load all of it at a Lambda cold start.
 */
export class BroadcastSoldOutSignal implements SoldOutSignal {
  readonly #channel: Channel;
  readonly #listeners = new Set<SoldOutListener>();

  constructor(channelName = 'flashsale:sold-out') {
    this.#channel = new BroadcastChannel(channelName);
    this.#channel.onmessage = (event: unknown) => {
      const data = (event as { data?: unknown }).data;
      if (!isSoldOutMessage(data)) return;
      for (const listener of this.#listeners) listener(data.saleId, data.soldOut);
    };
    // A channel with a handler keeps the event loop alive; the process must be free to exit.
    this.#channel.unref();
  }

  announce(saleId: string, soldOut: boolean): void {
    const message: SoldOutMessage = { saleId, soldOut };
    this.#channel.postMessage(message);
  }

  subscribe(listener: SoldOutListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#listeners.clear();
    this.#channel.close();
  }
}
