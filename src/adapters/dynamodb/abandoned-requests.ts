import type { ReserveRequest } from '../../ports/stock-ledger.ts';
import type { Claim, IdempotencyClaims } from './idempotency-claims.ts';
import type { ReservationItems } from './reservation-items.ts';
import type { UserHolds } from './user-holds.ts';

/**
 * What a purchase leaves behind when it stops before writing its
 * reservation: the claimed key and the hold on the shopper's count. A
 * request that gives up undoes them itself; those of a request that died are
 * cleared once their lease is over, by the next request that meets them.
 * Units a dead request had taken are not given back (see DynamoStockLedger).
 */
export class AbandonedRequests {
  readonly #claims: IdempotencyClaims;
  readonly #holds: UserHolds;
  readonly #reservations: ReservationItems;

  constructor(claims: IdempotencyClaims, holds: UserHolds, reservations: ReservationItems) {
    this.#claims = claims;
    this.#holds = holds;
    this.#reservations = reservations;
  }

  /** Takes the claim's hold off the shopper's count and frees the key. */
  async undoClaim(request: ReserveRequest, claim: Claim): Promise<void> {
    await this.#holds.release(claim.saleId, request.userId, claim.reservationId, claim.quantity);
    await this.#claims.delete(request, claim.reservationId);
  }

  /**
   * Holds whose request died before writing its reservation (lease over, no
   * reservation item) would keep the shopper under the limit forever: give
   * them back. Returns how many it released.
   */
  async reapHolds(saleId: string, userId: string): Promise<number> {
    const lapsed = await this.#holds.lapsed(saleId, userId);
    const outcomes = await Promise.all(
      lapsed.map(async (hold) => {
        if ((await this.#reservations.stored(hold.reservationId)) !== undefined) {
          // Its reservation exists: mark the hold confirmed so it is never looked at again.
          await this.#holds.confirm(saleId, userId, hold.reservationId);
          return false;
        }
        return this.#holds.release(saleId, userId, hold.reservationId, hold.quantity);
      }),
    );
    return outcomes.filter(Boolean).length;
  }
}
