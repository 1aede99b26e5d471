import type { ReleaseReason, Reservation, ReservationState } from '../../domain/reservation.ts';

/** Where a reservation's units were taken: shard number -> units. */
export type ShardTake = ReadonlyArray<{ readonly shard: number; readonly units: number }>;

export interface StoredReservation {
  readonly reservation: Reservation;
  readonly taken: ShardTake;
}

/**
 * A reservation hash as reserve/settle/release.lua write it: the JSON made at
 * reservation time, plus the fields that change later (state, reason, paidAt).
 */
export function reservationFromHash(hash: Record<string, string>): StoredReservation | undefined {
  if (hash.json === undefined) return undefined;
  const { requestId: _requestId, ...created } = JSON.parse(hash.json) as Reservation & { requestId?: string };
  const reservation: Reservation = {
    ...created,
    state: (hash.state ?? 'held') as ReservationState,
    releaseReason: (hash.reason as ReleaseReason | undefined) ?? null,
    paidAt: hash.paidAt === undefined ? null : Number(hash.paidAt),
  };
  const taken = (hash.shards ?? '')
    .split(',')
    .filter((part) => part !== '')
    .map((part) => {
      const [shard, units] = part.split(':');
      return { shard: Number(shard), units: Number(units) };
    });
  return { reservation, taken };
}
