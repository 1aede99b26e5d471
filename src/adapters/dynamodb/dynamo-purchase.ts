import { randomUUID } from 'node:crypto';
import { decidePurchase, newReservation, type PurchaseDecision } from '../../domain/purchase-decision.ts';
import type { ReserveRequest, ReserveResult } from '../../ports/stock-ledger.ts';
import type { AbandonedRequests } from './abandoned-requests.ts';
import { isConditionFailure, isDefiniteRejection, nameBasedUuid } from './attributes.ts';
import type { EventOutbox } from './event-outbox.ts';
import type { Claim, IdempotencyClaims } from './idempotency-claims.ts';
import type { SaleDefinition } from './ledger-items.ts';
import type { ReservationItems } from './reservation-items.ts';
import { NothingTaken, type ShardedStock, type TakeResult } from './sharded-stock.ts';
import type { UserHolds } from './user-holds.ts';

/** The items a purchase writes, one store each. */
export interface PurchaseItems {
  readonly claims: IdempotencyClaims;
  readonly holds: UserHolds;
  readonly stock: ShardedStock;
  readonly reservations: ReservationItems;
  readonly outbox: EventOutbox;
  readonly abandoned: AbandonedRequests;
}

export interface PurchaseTiming {
  /** How long a claimed idempotency key belongs to the request that claimed it (wall-clock ms). */
  readonly claimLeaseMs: number;
  /** How long a request with a key already in progress waits for that one to finish. */
  readonly claimWaitMs: number;
  readonly random: () => number;
  /** Wall clock for leases (process liveness, not business time). */
  readonly wallClock: () => number;
}

/** Time kept between the end of a step and the lease's end, for the clock skew of the processes racing. */
const FENCE_MARGIN_MS = 2_000;

/**
 * One purchase as the chain of single-item conditional writes that
 * DynamoStockLedger describes: claim the key, hold the units on the
 * shopper's count, take the stock, write the reservation, send its event;
 * each step undone when a later one is refused.
 */
export class DynamoPurchase {
  readonly #items: PurchaseItems;
  readonly #timing: PurchaseTiming;

  constructor(items: PurchaseItems, timing: PurchaseTiming) {
    this.#items = items;
    this.#timing = timing;
  }

  async reserve(sale: SaleDefinition, request: ReserveRequest): Promise<ReserveResult> {
    const { claims, abandoned } = this.#items;
    // Real elapsed time, whatever clock the leases use.
    const waitUntil = performance.now() + this.#timing.claimWaitMs;
    for (;;) {
      const claim = await claims.get(request.userId, request.idempotencyKey);
      if (claim !== undefined) {
        const answer = await this.#answerFromClaim(claim, sale, request);
        if (answer !== undefined) return answer;
        if (performance.now() > waitUntil) {
          throw new Error('an earlier request with this idempotency key is still in progress');
        }
        await sleep(10 + this.#timing.random() * 20);
        continue;
      }
      let decision = await this.#decideBeforeClaim(sale, request);
      // Units held by requests that died count until someone clears them: this shopper, now.
      if (decision.kind === 'limit_exceeded' && (await abandoned.reapHolds(sale.id, request.userId)) > 0) {
        decision = await this.#decideBeforeClaim(sale, request);
      }
      if (decision.kind !== 'reserve') return decision;
      const orderId = randomUUID();
      const claimed: Claim = {
        reservationId: nameBasedUuid(orderId),
        orderId,
        saleId: sale.id,
        quantity: request.quantity,
        leaseUntil: this.#timing.wallClock() + this.#timing.claimLeaseMs,
      };
      if (await claims.put(request, claimed)) return this.#reserveClaimed(sale, request, claimed);
    }
  }

  /** Window and limit on what the shopper holds now; the writes that follow check them again atomically. */
  async #decideBeforeClaim(sale: SaleDefinition, request: ReserveRequest): Promise<PurchaseDecision> {
    return decidePurchase({
      sale,
      now: request.now,
      quantity: request.quantity,
      available: Number.MAX_SAFE_INTEGER,
      userHolding: await this.#items.holds.units(sale.id, request.userId),
      previous: undefined,
    });
  }

  async #reserveClaimed(sale: SaleDefinition, request: ReserveRequest, claim: Claim): Promise<ReserveResult> {
    const { stock, reservations, outbox, abandoned } = this.#items;
    const alreadyHeld = await this.#takeHold(sale, request.userId, claim);
    if (alreadyHeld !== undefined) {
      await this.#items.claims.delete(request, claim.reservationId);
      // mirrors decidePurchase (per-user limit) in domain/purchase-decision.ts
      return { kind: 'limit_exceeded', limit: sale.perUserLimit, alreadyHeld };
    }
    let taken: TakeResult;
    try {
      taken = await stock.take(sale, request.quantity);
    } catch (error) {
      if (error instanceof NothingTaken) await abandoned.undoClaim(request, claim);
      throw error;
    }
    if (taken.kind !== 'taken') {
      await abandoned.undoClaim(request, claim);
      return taken;
    }
    if (this.#timing.wallClock() > claim.leaseUntil - FENCE_MARGIN_MS) {
      // Too slow: someone may already be clearing this claim as abandoned. Undo rather than race it.
      await stock.giveBack(sale.id, taken.takes);
      await abandoned.undoClaim(request, claim);
      throw new Error('reservation took longer than its claim lease');
    }
    const reservation = newReservation(sale, request, { id: claim.reservationId, orderId: claim.orderId });
    try {
      await reservations.put(reservation, taken.takes, request.requestId);
    } catch (error) {
      if (isDefiniteRejection(error) && !isConditionFailure(error)) {
        await stock.giveBack(sale.id, taken.takes);
        await abandoned.undoClaim(request, claim);
      }
      throw error;
    }
    await outbox.send('reservation.created', reservation, request.requestId);
    return { kind: 'reserved', reservation, replayed: false };
  }

  /** Answers from an existing claim, clears an abandoned one, or returns undefined to wait and look again. */
  async #answerFromClaim(
    claim: Claim,
    sale: SaleDefinition,
    request: ReserveRequest,
  ): Promise<ReserveResult | undefined> {
    const previous = (await this.#items.reservations.stored(claim.reservationId))?.reservation;
    if (previous !== undefined) {
      const decision = decidePurchase({
        sale,
        now: request.now,
        quantity: request.quantity,
        available: Number.MAX_SAFE_INTEGER,
        userHolding: 0,
        previous,
      });
      if (decision.kind === 'reserve') throw new Error('unreachable: a previous reservation decides');
      return decision;
    }
    if (this.#timing.wallClock() < claim.leaseUntil) return undefined;
    // The request that claimed the key died before writing its reservation.
    await this.#items.abandoned.undoClaim(request, claim);
    return undefined;
  }

  /** Adds this reservation's units to the shopper's count if the limit allows; else returns what they hold. */
  async #takeHold(sale: SaleDefinition, userId: string, claim: Claim): Promise<number | undefined> {
    const { holds, abandoned } = this.#items;
    for (let round = 0; round < 2; round++) {
      if (await holds.take(sale, userId, claim)) return undefined;
      if ((await abandoned.reapHolds(sale.id, userId)) === 0) break;
    }
    return holds.units(sale.id, userId);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
