import type { BroadcastChannel as Channel } from 'node:worker_threads';

/**
 * Messages of one kind between the threads of one process: a
 * BroadcastChannel reaches every other channel of the same name in the
 * process, whichever thread holds it (never the sender, never another
 * process). What arrives is checked with `isMessage` before any listener
 * sees it. The channel is Node's global BroadcastChannel (worker_threads'
 * class): importing node:worker_threads would load all of it at a Lambda
 * cold start.
 */
export class ProcessBroadcast<T> {
  readonly #channel: Channel;
  readonly #listeners = new Set<(message: T) => void>();

  constructor(channelName: string, isMessage: (data: unknown) => data is T) {
    this.#channel = new BroadcastChannel(channelName);
    this.#channel.onmessage = (event: unknown) => {
      const data = (event as { data?: unknown }).data;
      if (!isMessage(data)) return;
      for (const listener of this.#listeners) listener(data);
    };
    // A channel with a handler keeps the event loop alive; the process must be free to exit.
    this.#channel.unref();
  }

  post(message: T): void {
    this.#channel.postMessage(message);
  }

  subscribe(listener: (message: T) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    this.#listeners.clear();
    this.#channel.close();
  }
}
