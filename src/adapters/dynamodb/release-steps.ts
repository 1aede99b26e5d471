import type { ReleaseReason, Reservation } from '../../domain/reservation.ts';
import type { EventOutbox } from './event-outbox.ts';
import { type StoredReservation, storedReservationFromItem, type Takes } from './ledger-items.ts';
import type { ReservationItems } from './reservation-items.ts';
import type { ShardedStock } from './sharded-stock.ts';
import type { UserHolds } from './user-holds.ts';

/**
 * A release as steps that can each be run again, so that one that stopped
 * half-way (a throttled write, a crash) is finished later rather than lost:
 *
 * 1. mark the reservation released and, in the same write, record what is
 *    owed (`restock`: the units of each shard) with a lease on finishing it;
 * 2. per shard: give the units back, conditional on the shard not carrying
 *    the reservation's mark `g:<id>` (which the same write sets), then record
 *    the shard as done (`restock.<n> = 0`);
 * 3. drop the marks, then the shopper's hold (conditional on the hold, so
 *    once), then `restock`;
 * 4. send `reservation.released` (the outbox flag set at 1 keeps it for the
 *    sweeper if this fails).
 *
 * Whoever finishes a release holds its lease: the writer that marked it, or,
 * once the lease ran out or was given up, the sweeper or a retried cancel.
 * Each re-reads the reservation consistently after taking the lease, so a
 * shard marked done is never given its units again, and a mark is dropped
 * only after the reservation records its shard as done. The lease outlasts
 * any Lambda invocation (15 minutes), so two finishers never overlap.
 */
export class ReleaseSteps {
  readonly #reservations: ReservationItems;
  readonly #stock: ShardedStock;
  readonly #holds: UserHolds;
  readonly #outbox: EventOutbox;
  readonly #wall: () => number;
  readonly #leaseMs: number;
  readonly #onUnfinished: (error: unknown) => void;

  constructor(
    parts: {
      readonly reservations: ReservationItems;
      readonly stock: ShardedStock;
      readonly holds: UserHolds;
      readonly outbox: EventOutbox;
    },
    options: {
      readonly wallClock: () => number;
      readonly leaseMs: number;
      readonly onUnfinished: (error: unknown) => void;
    },
  ) {
    this.#reservations = parts.reservations;
    this.#stock = parts.stock;
    this.#holds = parts.holds;
    this.#outbox = parts.outbox;
    this.#wall = options.wallClock;
    this.#leaseMs = options.leaseMs;
    this.#onUnfinished = options.onUnfinished;
  }

  /**
   * Step 1: the lease this caller now holds on finishing the release, or
   * undefined if the reservation is no longer held. If the write fails with
   * its outcome unknown, it may have landed with this caller's lease: the
   * lease is given up, so a retry or the sweeper can finish at once.
   */
  async start(stored: StoredReservation, reason: ReleaseReason, now: number): Promise<number | undefined> {
    const lease = this.#wall() + this.#leaseMs;
    try {
      return (await this.#reservations.markReleased(stored, reason, now, lease)) ? lease : undefined;
    } catch (error) {
      await this.#giveUp(stored.reservation.id, lease);
      throw error;
    }
  }

  /**
   * Steps 2–4 for a release this caller has just started. A failure is
   * reported and the lease given up: the release stands (it is recorded),
   * and the sweeper or a retry finishes it.
   */
  async finishStarted(released: Reservation, takes: Takes, lease: number): Promise<void> {
    await this.#finishHolding(released, takes, lease);
  }

  /** Finishes an unfinished release if no one else is finishing it; true if this call finished it. */
  async resume(reservationId: string): Promise<boolean> {
    const wallNow = this.#wall();
    const lease = wallNow + this.#leaseMs;
    if (!(await this.#reservations.claimRelease(reservationId, wallNow, lease))) return false;
    const stored = await this.#reservations.stored(reservationId);
    if (stored?.unfinishedRelease === undefined) return false;
    return this.#finishHolding(stored.reservation, stored.unfinishedRelease.owed, lease);
  }

  /** The sweeper's part: finishes releases flagged at or before `cutoff`; returns how many. */
  async resumeUnfinished(cutoff: number, limit: number): Promise<number> {
    let finished = 0;
    for (const item of await this.#reservations.unsent(cutoff, limit)) {
      if (item.restock === undefined) continue;
      const { reservation, unfinishedRelease } = storedReservationFromItem(item);
      // The index may be behind: the lease is checked again by the conditional claim.
      if (unfinishedRelease !== undefined && unfinishedRelease.leaseUntil > this.#wall()) continue;
      try {
        if (await this.resume(reservation.id)) finished++;
      } catch (error) {
        // The claim itself failed: the next sweep tries again; the others go on now.
        this.#onUnfinished(error);
      }
    }
    return finished;
  }

  /** Runs steps 2–4 under `lease`; on a failure reports it and gives the lease up. True if done. */
  async #finishHolding(reservation: Reservation, owed: Takes, lease: number): Promise<boolean> {
    try {
      await this.#finish(reservation, owed);
      return true;
    } catch (error) {
      this.#onUnfinished(error);
      await this.#giveUp(reservation.id, lease);
      return false;
    }
  }

  /** Gives up this caller's lease (only if it is still this caller's); a failure leaves it to run out. */
  async #giveUp(reservationId: string, lease: number): Promise<void> {
    await this.#reservations.giveUpRelease(reservationId, lease).catch(() => {});
  }

  async #finish(reservation: Reservation, owed: Takes): Promise<void> {
    const { id, saleId } = reservation;
    for (const [shard, units] of owed) {
      if (units === 0) continue;
      await this.#stock.giveBackOnce(saleId, shard, units, id);
      await this.#reservations.markRestocked(id, shard);
    }
    for (const [shard] of owed) await this.#stock.dropMark(saleId, shard, id);
    await this.#holds.release(saleId, reservation.userId, id, reservation.quantity);
    await this.#reservations.finishRelease(id);
    await this.#outbox.send('reservation.released', reservation);
  }
}
