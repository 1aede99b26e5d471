import type { QueuedEvent } from '../ports/event-queue.ts';
import { type Logger, silentLogger } from '../ports/logger.ts';
import type { OrderNotification } from '../ports/order-notifier.ts';
import type { AppDeps } from './deps.ts';
import { applyReservationEvent } from './order-events.ts';
import { expireDue } from './orders.ts';
import { parseReservationEvent, type ReservationEvent } from './reservation-event.ts';

export interface OrderWorkerOptions {
  /** Deliveries before an event is parked in the dead-letter queue. */
  readonly maxAttempts: number;
  /** First retry delay; doubles each attempt up to `maxBackoffMs`. */
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  readonly batchSize: number;
  /** Reservations confirmed per step where the store confirms them in bulk (each step yields to other work). */
  readonly projectionSliceSize: number;
  readonly pollIntervalMs: number;
  readonly expiryIntervalMs: number;
}

export const defaultWorkerOptions: OrderWorkerOptions = {
  maxAttempts: 5,
  backoffMs: 200,
  maxBackoffMs: 30_000,
  batchSize: 256,
  projectionSliceSize: 1000,
  pollIntervalMs: 20,
  expiryIntervalMs: 1_000,
};

export function retryDelay(options: OrderWorkerOptions, failedAttempts: number): number {
  return Math.min(options.maxBackoffMs, options.backoffMs * 2 ** Math.max(0, failedAttempts - 1));
}

/** A received event, read once: its content, or why it cannot be read. */
type ReadEvent = { readonly event: QueuedEvent } & (
  | { readonly content: ReservationEvent }
  | { readonly unreadable: unknown }
);

/** Events of one reservation, in queue order; unreadable events stand alone. */
function byReservation(events: readonly QueuedEvent[]): ReadEvent[][] {
  const groups = new Map<string, ReadEvent[]>();
  for (const event of events) {
    let read: ReadEvent;
    let key: string;
    try {
      const content = parseReservationEvent(event.topic, event.body);
      read = { event, content };
      key = content.reservation.id;
    } catch (unreadable) {
      // Handled (and parked) by #handle like any failure.
      read = { event, unreadable };
      key = `event:${event.id}`;
    }
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [read]);
    else group.push(read);
  }
  return [...groups.values()];
}

/** What a log line says about an event: ids only (no shopper data), and the request that caused it. */
function eventFields(read: ReadEvent): Record<string, unknown> {
  const { event } = read;
  if (!('content' in read)) return { eventId: event.id, topic: event.topic };
  const { reservation, requestId } = read.content;
  return {
    eventId: event.id,
    topic: event.topic,
    orderId: reservation.orderId,
    reservationId: reservation.id,
    saleId: reservation.saleId,
    ...(requestId === undefined ? {} : { requestId }),
  };
}

/**
 * Turns queued reservation events into orders (new reservations in bulk
 * first, where the store offers an OrderProjection). Events of different
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
  readonly #logger: Logger;
  /** Hands the orders the projection confirmed to the notifier; undefined without one. */
  readonly #publish: ((orders: readonly OrderNotification[]) => void) | undefined;
  readonly #listening: () => boolean;

  constructor(
    deps: AppDeps,
    options: Partial<OrderWorkerOptions> = {},
    onError: (error: unknown) => void = () => {},
    logger: Logger = silentLogger,
  ) {
    this.#deps = deps;
    this.#options = { ...defaultWorkerOptions, ...options };
    this.#onError = onError;
    this.#logger = logger;
    const notifier = deps.orderNotifier;
    this.#listening = () => notifier?.listening?.() !== false;
    this.#publish =
      notifier === undefined
        ? undefined
        : (orders) => {
            // Best effort, like every notification: the order records hold the truth.
            for (const order of orders) notifier.orderChanged(order).catch((error) => onError(error));
          };
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
    const projected = await this.#confirmPending();
    let handled = projected.handled;
    for (;;) {
      const events = await this.#deps.queue.receive(this.#options.batchSize, this.#deps.clock.now(), {
        leaveToProjection: projected.healthy,
      });
      await Promise.all(
        byReservation(events).map(async (group) => {
          for (const read of group) await this.#handle(read);
        }),
      );
      handled += events.length;
      if (events.length < this.#options.batchSize) return handled;
    }
  }

  /**
   * Where the store confirms new reservations in bulk, does so slice by
   * slice (each slice one write, so HTTP work runs between them). While it
   * works, the created events that arrive meanwhile wait for its next run
   * (`leaveToProjection`) rather than go one by one through the queue; if it
   * fails, they reach the worker through the queue, with retries.
   */
  async #confirmPending(): Promise<{ readonly handled: number; readonly healthy: boolean }> {
    const projection = this.#deps.orderProjection;
    if (projection === undefined) return { handled: 0, healthy: false };
    const slice = this.#options.projectionSliceSize;
    let handled = 0;
    try {
      for (;;) {
        // Read back and published only while someone can hear them (a GraphQL subscription).
        const confirmed = await projection.confirmPending(
          slice,
          this.#deps.clock.now(),
          this.#publish,
          this.#listening,
        );
        for (let i = 0; i < confirmed; i++) this.#deps.metrics.orderEvent('processed');
        handled += confirmed;
        if (confirmed < slice) return { handled, healthy: true };
      }
    } catch (error) {
      this.#onError(error);
      return { handled, healthy: false };
    }
  }

  async #handle(read: ReadEvent): Promise<void> {
    const { event } = read;
    const { queue, clock, metrics } = this.#deps;
    try {
      if ('unreadable' in read) throw read.unreadable;
      await applyReservationEvent(this.#deps, read.content, this.#deps.orderNotifier);
      await queue.ack(event.id);
      metrics.orderEvent('processed');
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const attempts = event.attempts + 1;
      const fields = { ...eventFields(read), attempts, error };
      if (attempts >= this.#options.maxAttempts) {
        await queue.deadLetter(event.id, message, clock.now());
        metrics.orderEvent('dead_lettered');
        this.#logger.log('error', 'order event dead-lettered', fields);
      } else {
        const retryInMs = retryDelay(this.#options, attempts);
        await queue.retryLater(event.id, message, clock.now() + retryInMs);
        metrics.orderEvent('retried');
        this.#logger.log('warn', 'order event failed', { ...fields, retryInMs });
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
    try {
      await this.drain();
      const now = this.#deps.clock.now();
      if (now - this.#lastExpiry >= this.#options.expiryIntervalMs) {
        this.#lastExpiry = now;
        await expireDue(this.#deps);
      }
    } catch (error) {
      this.#onError(error);
    }
    // drain() ran until nothing was due: whatever arrived since waits for the next poll, so that during a
    // stampede each run confirms a poll's worth of orders in one slice instead of a commit's worth.
    this.#schedule(this.#options.pollIntervalMs);
  }
}
