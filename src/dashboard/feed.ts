import type { DashboardSnapshot } from './snapshot.ts';

/** Where snapshots come from: the collector, or, in an extra HTTP thread, the main thread's over RPC. */
export interface SnapshotSource {
  latest(): Promise<DashboardSnapshot>;
}

export interface Subscriber {
  readonly send: (snapshot: DashboardSnapshot) => void;
  /** Called when the feed closes (server shutdown). */
  readonly end: () => void;
}

/**
 * Pushes a snapshot a second to whoever watches. Ticks only while someone
 * does: with no page open the dashboard reads nothing from the stores.
 */
export class DashboardFeed {
  readonly #source: SnapshotSource;
  readonly #intervalMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #subscribers = new Set<Subscriber>();
  #timer: NodeJS.Timeout | undefined;
  #ticking = false;
  #closed = false;

  constructor(
    source: SnapshotSource,
    options: { readonly intervalMs?: number; readonly onError?: (error: unknown) => void } = {},
  ) {
    this.#source = source;
    this.#intervalMs = options.intervalMs ?? 1000;
    this.#onError = options.onError ?? (() => {});
  }

  get watchers(): number {
    return this.#subscribers.size;
  }

  /** Starts sending to `subscriber` (the first snapshot at once); returns how to stop. */
  subscribe(subscriber: Subscriber): () => void {
    if (this.#closed) {
      subscriber.end();
      return () => {};
    }
    this.#subscribers.add(subscriber);
    this.#timer ??= setInterval(() => this.#tick(), this.#intervalMs).unref();
    this.#source.latest().then(
      (snapshot) => {
        if (this.#subscribers.has(subscriber)) subscriber.send(snapshot);
      },
      (error: unknown) => this.#onError(error),
    );
    return () => {
      this.#subscribers.delete(subscriber);
      if (this.#subscribers.size === 0) this.#stop();
    };
  }

  /** Ends every stream and refuses new ones. */
  close(): void {
    this.#closed = true;
    this.#stop();
    const subscribers = [...this.#subscribers];
    this.#subscribers.clear();
    for (const subscriber of subscribers) subscriber.end();
  }

  #tick(): void {
    if (this.#ticking) return;
    this.#ticking = true;
    this.#source
      .latest()
      .then(
        (snapshot) => {
          for (const subscriber of this.#subscribers) subscriber.send(snapshot);
        },
        (error: unknown) => this.#onError(error),
      )
      .finally(() => {
        this.#ticking = false;
      });
  }

  #stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
