import type { Reservation } from '../../domain/reservation.ts';

interface Waiting {
  readonly reservation: Reservation;
  readonly now: number;
  readonly resolve: (created: boolean) => void;
  readonly reject: (error: unknown) => void;
}

export interface ConfirmationWriter {
  /** Inserts confirmed orders, skipping those that exist; returns the order ids it created. */
  insertMany(items: ReadonlyArray<{ reservation: Reservation; now: number }>): Promise<Set<string>>;
  insertOne(reservation: Reservation, now: number): Promise<boolean>;
}

const MAX_BATCH = 500;

/**
 * Group commit for new orders: every confirmation asked for while the event
 * loop is busy joins one multi-row INSERT (one statement, one commit) instead
 * of a commit each. The worker hands over a whole batch of events at once, so
 * under load a few hundred orders share one fsync. If the batch fails, each
 * order is tried alone, so one bad row fails only its own event.
 */
export class ConfirmationBatch {
  readonly #writer: ConfirmationWriter;
  #waiting: Waiting[] = [];
  #scheduled = false;

  constructor(writer: ConfirmationWriter) {
    this.#writer = writer;
  }

  /** True when this call created the order, false when it existed already. */
  confirm(reservation: Reservation, now: number): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ reservation, now, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    this.#scheduled = false;
    const all = this.#waiting;
    this.#waiting = [];
    for (let start = 0; start < all.length; start += MAX_BATCH) {
      await this.#write(all.slice(start, start + MAX_BATCH));
    }
  }

  async #write(batch: Waiting[]): Promise<void> {
    let created: Set<string>;
    try {
      created = await this.#writer.insertMany(batch);
    } catch {
      for (const item of batch)
        this.#writer.insertOne(item.reservation, item.now).then(item.resolve, item.reject);
      return;
    }
    // The same order twice in one batch (a redelivery): only its first request created it.
    for (const item of batch) {
      const orderId = item.reservation.orderId;
      item.resolve(created.delete(orderId));
    }
  }
}
