import type { ReleaseReason, Reservation } from '../../domain/reservation.ts';
import type { EventTopic } from '../../ports/event-queue.ts';
import { type Item, ignoreConditionFailure, isConditionFailure, N, S } from './attributes.ts';
import {
  reservationFromItem,
  reservationToItem,
  type SaleDefinition,
  type StoredReservation,
  storedReservationFromItem,
  type Takes,
  takesToMap,
} from './ledger-items.ts';
import { dueBucket, outboxBucket, reservationKey, saleShardKey } from './ledger-keys.ts';
import type { LedgerTable } from './ledger-table.ts';
import { queryAll } from './query-pages.ts';
import { LEDGER_INDEX, SWEEP_BUCKETS } from './tables.ts';

/** A move out of `held`: the new state, its event, and what else it sets and requires. */
interface MoveFromHeld {
  readonly state: 'paid' | 'released';
  readonly topic: EventTopic;
  readonly set: string;
  readonly condition: string;
  readonly values: Item;
}

/**
 * The reservation items `R#<id>`, the durable truth of the ledger. Each
 * write that changes a reservation also flags its event unsent (the outbox:
 * `pendingEvent`, on the `outbox` index) in the same single-item write;
 * `clearPending` takes the flag off once the event is on the queue.
 */
export class ReservationItems {
  readonly #table: LedgerTable;
  readonly #random: () => number;

  constructor(table: LedgerTable, random: () => number) {
    this.#table = table;
    this.#random = random;
  }

  /** Writes a new reservation with its `reservation.created` event flagged unsent (and the request it came from). */
  async put(reservation: Reservation, takes: Takes, requestId?: string): Promise<void> {
    const bucket = Math.floor(this.#random() * SWEEP_BUCKETS);
    const item = reservationToItem(reservation, takes, bucket);
    if (requestId !== undefined) item.requestId = S(requestId);
    item.pendingEvent = S('reservation.created');
    item.outboxBucket = S(outboxBucket(bucket));
    item.outboxAt = N(reservation.createdAt);
    try {
      await this.#table.db.send('PutItem', {
        TableName: this.#table.name,
        Item: item,
        ConditionExpression: 'attribute_not_exists(pk)',
      });
    } catch (error) {
      // A retried put whose first attempt had landed: the reservation is there, which is all we wanted.
      if (isConditionFailure(error) && (await this.stored(reservation.id)) !== undefined) return;
      throw error;
    }
  }

  async stored(reservationId: string): Promise<StoredReservation | undefined> {
    const item = await this.#table.item(reservationKey(reservationId));
    return item === undefined ? undefined : storedReservationFromItem(item);
  }

  /** Marks a held reservation paid; false if it is no longer held or its window closed meanwhile. */
  markPaid(stored: StoredReservation, now: number): Promise<boolean> {
    return this.#moveFromHeld(stored, now, {
      state: 'paid',
      topic: 'reservation.paid',
      set: 'paidAt = :now',
      // mirrors checkPayment (window still open) in domain/order.ts
      condition: ' AND expiresAt > :now',
      values: {},
    });
  }

  /**
   * Marks a held reservation released and, in the same write, records what
   * the release has still to do (every shard owed its units; the hold goes
   * last) with the writer's lease on finishing it; false if it is no longer
   * held. See release-steps.ts.
   */
  markReleased(
    stored: StoredReservation,
    reason: ReleaseReason,
    now: number,
    leaseUntil: number,
  ): Promise<boolean> {
    return this.#moveFromHeld(stored, now, {
      state: 'released',
      topic: 'reservation.released',
      set: 'releaseReason = :reason, releasedAt = :now, restock = :owed, releaseLeaseUntil = :lease',
      condition: '',
      values: {
        ':reason': S(reason),
        ':owed': takesToMap(stored.takes),
        ':lease': N(leaseUntil),
      },
    });
  }

  /** Takes over an unfinished release whose lease ran out (or was given up); false if someone holds it. */
  claimRelease(reservationId: string, wallNow: number, leaseUntil: number): Promise<boolean> {
    return this.#updateRelease(reservationId, {
      update: 'SET releaseLeaseUntil = :lease',
      condition: ' AND (attribute_not_exists(releaseLeaseUntil) OR releaseLeaseUntil <= :wall)',
      values: { ':lease': N(leaseUntil), ':wall': N(wallNow) },
    });
  }

  /** Records that a shard got its units back (its mark may still be on it). */
  async markRestocked(reservationId: string, shard: number): Promise<void> {
    await this.#updateRelease(reservationId, {
      update: 'SET restock.#n = :zero',
      names: { '#n': String(shard) },
      values: { ':zero': N(0) },
    });
  }

  /** The release is done: nothing owed any more. */
  async finishRelease(reservationId: string): Promise<void> {
    await this.#updateRelease(reservationId, { update: 'REMOVE restock, releaseLeaseUntil' });
  }

  /**
   * Gives up the lease `lease` on finishing a release, so the sweeper or a
   * retry may take it over at once; a lease someone else took is left alone.
   */
  async giveUpRelease(reservationId: string, lease: number): Promise<void> {
    await this.#updateRelease(reservationId, {
      update: 'REMOVE releaseLeaseUntil',
      condition: ' AND releaseLeaseUntil = :lease',
      values: { ':lease': N(lease) },
    });
  }

  /** Updates a reservation whose release is unfinished; false once it is finished. */
  #updateRelease(
    reservationId: string,
    change: {
      readonly update: string;
      readonly condition?: string;
      readonly names?: Record<string, string>;
      readonly values?: Item;
    },
  ): Promise<boolean> {
    return ignoreConditionFailure(
      this.#table.db.send('UpdateItem', {
        TableName: this.#table.name,
        Key: { pk: S(reservationKey(reservationId)) },
        UpdateExpression: change.update,
        ConditionExpression: `attribute_exists(restock)${change.condition ?? ''}`,
        ...(change.names === undefined ? {} : { ExpressionAttributeNames: change.names }),
        ...(change.values === undefined ? {} : { ExpressionAttributeValues: change.values }),
      }),
    );
  }

  /** Takes the unsent flag off, if it is still `topic`'s. */
  async clearPending(reservationId: string, topic: EventTopic): Promise<void> {
    await ignoreConditionFailure(
      this.#table.db.send('UpdateItem', {
        TableName: this.#table.name,
        Key: { pk: S(reservationKey(reservationId)) },
        UpdateExpression: 'REMOVE pendingEvent, outboxBucket, outboxAt',
        ConditionExpression: 'pendingEvent = :topic',
        ExpressionAttributeValues: { ':topic': S(topic) },
      }),
    );
  }

  /** The sale's reservations, one query per shard of the `bySale` index. */
  async ofSale(sale: SaleDefinition): Promise<Reservation[]> {
    const { name, partitionKey } = LEDGER_INDEX.bySale;
    const perShard = await Promise.all(
      Array.from({ length: sale.shards }, (_, n) =>
        queryAll(this.#table.db, {
          TableName: this.#table.name,
          IndexName: name,
          KeyConditionExpression: '#p = :shard',
          ExpressionAttributeNames: { '#p': partitionKey },
          ExpressionAttributeValues: { ':shard': S(saleShardKey(sale.id, n)) },
        }),
      ),
    );
    return perShard.flat().map(reservationFromItem);
  }

  /** Held reservations whose payment window closed at or before `now`, oldest first. */
  async expired(now: number, limit: number): Promise<Reservation[]> {
    const items = await this.#sweep(LEDGER_INDEX.due, dueBucket, now, limit);
    return items
      .map(reservationFromItem)
      .filter((r) => r.state === 'held')
      .sort((a, b) => a.expiresAt - b.expiresAt || a.id.localeCompare(b.id))
      .slice(0, limit);
  }

  /** Reservation items whose event was flagged unsent at or before `cutoff`. */
  async unsent(cutoff: number, limit: number): Promise<Item[]> {
    return (await this.#sweep(LEDGER_INDEX.outbox, outboxBucket, cutoff, limit)).slice(0, limit);
  }

  async #moveFromHeld(stored: StoredReservation, now: number, move: MoveFromHeld): Promise<boolean> {
    return ignoreConditionFailure(
      this.#table.db.send('UpdateItem', {
        TableName: this.#table.name,
        Key: { pk: S(reservationKey(stored.reservation.id)) },
        UpdateExpression: `SET #state = :to, ${move.set}, pendingEvent = :topic, outboxBucket = :bucket, outboxAt = :now REMOVE dueBucket, dueAt`,
        ConditionExpression: `#state = :held${move.condition}`,
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':to': S(move.state),
          ':held': S('held'),
          ':now': N(now),
          ':topic': S(move.topic),
          ':bucket': S(outboxBucket(stored.bucket)),
          ...move.values,
        },
      }),
    );
  }

  /** Items of a sweep index up to `upTo`, from all its buckets at once (up to `limit` from each). */
  async #sweep(
    index: { readonly name: string; readonly partitionKey: string; readonly sortKey: string },
    bucket: (k: number) => string,
    upTo: number,
    limit: number,
  ): Promise<Item[]> {
    const pages = await Promise.all(
      Array.from({ length: SWEEP_BUCKETS }, (_, k) =>
        this.#table.db.send('Query', {
          TableName: this.#table.name,
          IndexName: index.name,
          KeyConditionExpression: '#b = :bucket AND #at <= :upTo',
          ExpressionAttributeNames: { '#b': index.partitionKey, '#at': index.sortKey },
          ExpressionAttributeValues: { ':bucket': S(bucket(k)), ':upTo': N(upTo) },
          Limit: limit,
        }),
      ),
    );
    return pages.flatMap((page) => page.Items ?? []);
  }
}
