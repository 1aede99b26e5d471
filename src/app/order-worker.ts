import type { QueuedEvent } from '../ports/event-queue.ts';
import type { AppDeps } from './deps.ts';
import { recordOrderEvent } from './order-events.ts';
import { expireDue } from './orders.ts';
import { parseReservationEvent } from './reservation-event.ts';

export interface OrderWorkerOptions {
  /** Deliveries before an event is parked in the dead-letter queue. */
  readonly maxAttempts: number;
  /** First retry delay; doubles each attempt up to `maxBackoffMs`. */
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  readonly batchSize: number;
  readonly pollIntervalMs: number;
  readonly expiryIntervalMs: number;
}

export const defaultWorkerOptions: OrderWorkerOptions = {
  maxAttempts: 5,
  backoffMs: 200,
  maxBackoffMs: 30_000,
  batchSize: 256,
  pollIntervalMs: 20,
  expiryIntervalMs: 1_000,
};

export function retryDelay(options: OrderWorkerOptions, failedAttempts: number): number {
  return Math.min(options.maxBackoffMs, options.backoffMs * 2 ** Math.max(0, failedAttempts - 1));
}

/** Events of one reservation, in queue order; unreadable events stand alone. */
function byReservation(events: readonly QueuedEvent[]): QueuedEvent[][] {
  const groups = new Map<string, QueuedEvent[]>();
  for (const event of events) {
    let key = `event:${event.id}`;
    try {
      key = parseReservationEvent(event.topic, event.body).reservation.id;
    } catch {
      // Handled (and parked) by #handle like any failure.
    }
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [event]);
    else group.push(event);
  }
  return [...groups.values()];
}

/**
 * Turns queued reservation events into orders. Events of different
 * reservations are handled concurrently (so a store that groups commits
 * writes a whole batch at once); those of one reservation in order. A failed event
 * is retried with exponential back-off and parked in the dead-letter queue
 * after `maxAttempts`. Also releases reservations whose payment window closed.
 */
export class OrderWorker {
  readonly #deps: AppDeps;
  readonly #options: OrderWorkerOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = true;
  #lastExpiry = 0;
  readonly #onError: (error: unknown) => void;

  constructor(
    deps: AppDeps,
    options: Partial<OrderWorkerOptions> = {},
    onError: (error: unknown) => void = () => {},
  ) {
    this.#deps = deps;
    this.#options = { ...defaultWorkerOptions, ...options };
    this.#onError = onError;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  /** Handles every event that is due now; returns how many deliveries it made. */
  async drain(): Promise<number> {
    let handled = 0;
    for (;;) {
      const events = await this.#deps.queue.receive(this.#options.batchSize, this.#deps.clock.now());
      await Promise.all(
        byReservation(events).map(async (group) => {
          for (const event of group) await this.#handle(event);
        }),
      );
      handled += events.length;
      if (events.length < this.#options.batchSize) return handled;
    }
  }

  async #handle(event: QueuedEvent): Promise<void> {
    const { queue, clock, metrics } = this.#deps;
    try {
      await recordOrderEvent(this.#deps, event.topic, event.body);
      await queue.ack(event.id);
      metrics.orderEvent('processed');
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const attempts = event.attempts + 1;
      if (attempts >= this.#options.maxAttempts) {
        await queue.deadLetter(event.id, message, clock.now());
        metrics.orderEvent('dead_lettered');
      } else {
        await queue.retryLater(event.id, message, clock.now() + retryDelay(this.#options, attempts));
        metrics.orderEvent('retried');
      }
    }
  }

  #schedule(delay: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.#tick().finally(() => {
        this.#running = undefined;
      });
    }, delay);
  }

  async #tick(): Promise<void> {
    let handled = 0;
    try {
      handled = await this.drain();
      const now = this.#deps.clock.now();
      if (now - this.#lastExpiry >= this.#options.expiryIntervalMs) {
        this.#lastExpiry = now;
        await expireDue(this.#deps);
      }
    } catch (error) {
      this.#onError(error);
    }
    this.#schedule(handled > 0 ? 0 : this.#options.pollIntervalMs);
  }
}
