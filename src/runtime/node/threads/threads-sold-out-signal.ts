import { BroadcastSoldOutSignal } from '../../../adapters/memory/broadcast-sold-out-signal.ts';
import type { SoldOutListener, SoldOutSignal } from '../../../ports/sold-out-signal.ts';

/**
 * The main thread's sold-out signal when the shape's own signal does not
 * reach the process's HTTP threads (the cluster shape's goes over Redis, and
 * Redis does not deliver a process's own messages back to it). Joins the two:
 * news from other processes is passed on to the threads, news from the threads
 * to other processes, and the main thread's board hears both; what the main
 * thread announces goes to both. The threads keep their BroadcastSoldOutSignal.
 */
export class ThreadsSoldOutSignal implements SoldOutSignal {
  readonly #deployment: SoldOutSignal;
  readonly #threads: BroadcastSoldOutSignal;
  readonly #listeners = new Set<SoldOutListener>();
  readonly #stop: Array<() => void>;

  constructor(deployment: SoldOutSignal, threads = new BroadcastSoldOutSignal()) {
    this.#deployment = deployment;
    this.#threads = threads;
    this.#stop = [
      deployment.subscribe((saleId, soldOut) => {
        threads.announce(saleId, soldOut);
        this.#emit(saleId, soldOut);
      }),
      threads.subscribe((saleId, soldOut) => {
        deployment.announce(saleId, soldOut);
        this.#emit(saleId, soldOut);
      }),
    ];
  }

  /** True when `signal` already reaches every thread of the process (it is the threads' own kind). */
  static reachesThreads(signal: SoldOutSignal): boolean {
    return signal instanceof BroadcastSoldOutSignal;
  }

  announce(saleId: string, soldOut: boolean): void {
    this.#deployment.announce(saleId, soldOut);
    this.#threads.announce(saleId, soldOut);
  }

  subscribe(listener: SoldOutListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stops joining them; the deployment's signal is the shape's to close. */
  async close(): Promise<void> {
    for (const stop of this.#stop) stop();
    this.#listeners.clear();
    await this.#threads.close();
  }

  #emit(saleId: string, soldOut: boolean): void {
    for (const listener of this.#listeners) listener(saleId, soldOut);
  }
}
