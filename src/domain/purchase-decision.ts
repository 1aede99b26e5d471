import type { Reservation } from './reservation.ts';
import type { Sale } from './sale.ts';

export type PurchaseRefusal =
  | { readonly kind: 'not_started'; readonly startsAt: number }
  | { readonly kind: 'ended'; readonly endsAt: number }
  | { readonly kind: 'sold_out' }
  | { readonly kind: 'insufficient_stock'; readonly available: number }
  | { readonly kind: 'limit_exceeded'; readonly limit: number; readonly alreadyHeld: number }
  | { readonly kind: 'idempotency_conflict'; readonly reservationId: string };

/** Expected outcomes of a purchase are values; only infrastructure faults throw. */
export type PurchaseOutcome =
  | { readonly kind: 'reserved'; readonly reservation: Reservation; readonly replayed: boolean }
  | PurchaseRefusal;

export interface PurchaseFacts {
  readonly sale: Sale;
  readonly now: number;
  readonly quantity: number;
  readonly available: number;
  /** Units this user holds or has paid for in this sale. */
  readonly userHolding: number;
  /** The reservation already made under this user's idempotency key, if any (any sale). */
  readonly previous: Reservation | undefined;
}

export type PurchaseDecision = { readonly kind: 'reserve' } | PurchaseOutcome;

/** What a purchase under an idempotency key already used gets: its first reservation, or a conflict. */
export type RetryOutcome = Extract<PurchaseOutcome, { readonly kind: 'reserved' | 'idempotency_conflict' }>;

/**
 * Decides a purchase from the facts a backend read atomically. A retried key
 * answers with its first reservation even after the sale ended or sold out.
 *
 * Stores that must decide inside their own atomic step re-express parts of
 * it (a Lua script, conditional writes, SQL conditions, audit queries), each
 * with a comment naming this function; test/conformance/purchase-rule-suite.ts
 * holds every backend to this function's own cases.
 */
export function decidePurchase(facts: PurchaseFacts): PurchaseDecision {
  const { sale, now, quantity, previous } = facts;
  if (previous !== undefined) return decideRetry(sale, quantity, previous);
  if (now < sale.startsAt) return { kind: 'not_started', startsAt: sale.startsAt };
  if (now >= sale.endsAt) return { kind: 'ended', endsAt: sale.endsAt };
  if (quantity > sale.perUserLimit || facts.userHolding + quantity > sale.perUserLimit) {
    return { kind: 'limit_exceeded', limit: sale.perUserLimit, alreadyHeld: facts.userHolding };
  }
  if (facts.available <= 0) return { kind: 'sold_out' };
  if (facts.available < quantity) return { kind: 'insufficient_stock', available: facts.available };
  return { kind: 'reserve' };
}

/** A key already used answers the same request (same sale, same quantity) with its first reservation. */
export function decideRetry(sale: Sale, quantity: number, previous: Reservation): RetryOutcome {
  if (previous.saleId === sale.id && previous.quantity === quantity) {
    return { kind: 'reserved', reservation: previous, replayed: true };
  }
  return { kind: 'idempotency_conflict', reservationId: previous.id };
}

export function reservationExpiry(sale: Sale, now: number): number {
  return now + sale.paymentWindowSeconds * 1000;
}

/** The reservation a decided purchase creates: held, priced, expiring at the end of its payment window. */
export function newReservation(
  sale: Sale,
  purchase: {
    readonly userId: string;
    readonly quantity: number;
    readonly idempotencyKey: string;
    readonly now: number;
  },
  ids: { readonly id: string; readonly orderId: string },
): Reservation {
  return {
    id: ids.id,
    orderId: ids.orderId,
    saleId: sale.id,
    userId: purchase.userId,
    quantity: purchase.quantity,
    idempotencyKey: purchase.idempotencyKey,
    amountCents: sale.priceCents * purchase.quantity,
    currency: sale.currency,
    state: 'held',
    releaseReason: null,
    createdAt: purchase.now,
    expiresAt: reservationExpiry(sale, purchase.now),
    paidAt: null,
  };
}
