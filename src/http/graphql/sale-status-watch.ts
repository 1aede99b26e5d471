import type { AppDeps } from '../../app/deps.ts';
import { operations, type SaleLiveStatus } from './operations.ts';
import { pushQueue } from './push-queue.ts';

type Listener = (status: SaleLiveStatus) => void;

interface Watched {
  readonly listeners: Set<Listener>;
  last: SaleLiveStatus | undefined;
  timer: NodeJS.Timeout | undefined;
}

const sameStatus = (a: SaleLiveStatus | undefined, b: SaleLiveStatus) =>
  a !== undefined && a.status === b.status && a.available === b.available;

/**
 * `saleStatus`: a sale's status and units left, pushed when they change.
 * Units left change with every purchase, so rather than a message per
 * purchase (a cost on the hot path, paid even when nobody watches), each
 * process reads each watched sale once per `intervalMs`, whatever the number
 * of subscribers, and pushes only a change. A subscriber hears the sale's
 * state at once, then at most one update per interval.
 */
export class SaleStatusWatch {
  readonly #deps: AppDeps;
  readonly #intervalMs: number;
  readonly #sales = new Map<string, Watched>();

  constructor(deps: AppDeps, intervalMs = 250) {
    this.#deps = deps;
    this.#intervalMs = intervalMs;
  }

  /** The sale's state now (sale_not_found refuses the subscription), then its changes. */
  async updates(saleId: string): Promise<AsyncIterableIterator<SaleLiveStatus>> {
    const now = await operations.saleNow(this.#deps, saleId);
    let listener: Listener = () => {};
    const queue = pushQueue<SaleLiveStatus>(() => this.#unwatch(saleId, listener));
    let last = now;
    queue.push(now);
    listener = (status) => {
      if (sameStatus(last, status)) return;
      last = status;
      queue.push(status);
      if (status.status === 'ended') queue.end();
    };
    if (now.status === 'ended') queue.end();
    else this.#watch(saleId, listener, now);
    return queue.iterator;
  }

  close(): void {
    for (const watched of this.#sales.values()) clearTimeout(watched.timer);
    this.#sales.clear();
  }

  #watch(saleId: string, listener: Listener, seen: SaleLiveStatus): void {
    let watched = this.#sales.get(saleId);
    if (watched === undefined) {
      watched = { listeners: new Set(), last: seen, timer: undefined };
      this.#sales.set(saleId, watched);
      this.#schedule(saleId, watched);
    }
    watched.listeners.add(listener);
  }

  #unwatch(saleId: string, listener: Listener): void {
    const watched = this.#sales.get(saleId);
    if (watched === undefined) return;
    watched.listeners.delete(listener);
    if (watched.listeners.size > 0) return;
    clearTimeout(watched.timer);
    this.#sales.delete(saleId);
  }

  #schedule(saleId: string, watched: Watched): void {
    watched.timer = setTimeout(async () => {
      try {
        const status = await operations.saleNow(this.#deps, saleId);
        if (!sameStatus(watched.last, status)) {
          watched.last = status;
          for (const listener of [...watched.listeners]) listener(status);
        }
      } catch {
        // A store that does not answer now may next time; the subscribers keep what they have.
      }
      if (this.#sales.get(saleId) === watched) this.#schedule(saleId, watched);
    }, this.#intervalMs);
    watched.timer.unref();
  }
}
