/**
 * The keys of the ledger table's items and the names inside them (tables.ts
 * lists what each item holds). One place, so that the writers, the readers
 * and the sweepers agree on them.
 */

/** The sale as defined (immutable), with its shard count. */
export const saleKey = (saleId: string): string => `S#${saleId}`;

/** Stock shard n of a sale: `stock` units left. */
export const shardKey = (saleId: string, n: number): string => `S#${saleId}#${n}`;

/** The shard number at the end of a shard item's key. */
export const shardOfKey = (key: string): number => Number(key.slice(key.lastIndexOf('#') + 1));

/** The shopper's units held or paid in a sale, with one hold attribute per reservation. */
export const userKey = (saleId: string, userId: string): string => `U#${saleId}#${userId}`;

/** The idempotency claim: which reservation the shopper's key stands for. */
export const claimKey = (userId: string, key: string): string => `K#${userId}#${key}`;

/** The reservation, the durable truth, with its unsent event if any. */
export const reservationKey = (reservationId: string): string => `R#${reservationId}`;

/** Partition of the `bySale` index a reservation goes to: the sale and the shard it took from first. */
export const saleShardKey = (saleId: string, shard: number): string => `${saleId}#${shard}`;

const HOLD_PREFIX = 'h:';

/** The attribute of a user item that holds one reservation's units. */
export const holdName = (reservationId: string): string => `${HOLD_PREFIX}${reservationId}`;

/** The reservation id of a hold attribute, or undefined for any other attribute. */
export const holdReservationId = (attribute: string): string | undefined =>
  attribute.startsWith(HOLD_PREFIX) ? attribute.slice(HOLD_PREFIX.length) : undefined;

/**
 * The mark a shard item carries while a release that gave units back to it
 * is unfinished: the give-back is conditional on its absence, so a resumed
 * release never gives the same units twice (release-steps.ts).
 */
export const giveBackMark = (reservationId: string): string => `g:${reservationId}`;

/** Partition k of the `due` index (held reservations by payment deadline). */
export const dueBucket = (k: number): string => `E#${k}`;

/** Partition k of the `outbox` index (reservations whose last event is unsent). */
export const outboxBucket = (k: number): string => `X#${k}`;
