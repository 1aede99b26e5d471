import type { PurchaseOutcome } from '../domain/purchase-decision.ts';
import type { ReleaseReason, Reservation } from '../domain/reservation.ts';
import type { Sale } from '../domain/sale.ts';

export interface SaleSnapshot {
  readonly sale: Sale;
  readonly available: number;
}

export interface ReserveRequest {
  readonly saleId: string;
  readonly userId: string;
  readonly quantity: number;
  readonly idempotencyKey: string;
  readonly now: number;
  /**
   * The id of the request asking, carried in the reservation's
   * `reservation.created` event (as `requestId`) so the pipeline's log lines
   * about it can be joined to the request's. Not part of the reservation.
   */
  readonly requestId?: string | undefined;
}

export type ReserveResult = PurchaseOutcome | { readonly kind: 'sale_not_found' };

export type SettleResult =
  | { readonly kind: 'paid'; readonly reservation: Reservation }
  | { readonly kind: 'already_paid'; readonly reservation: Reservation }
  | { readonly kind: 'window_expired'; readonly reservation: Reservation }
  | { readonly kind: 'not_payable'; readonly reservation: Reservation }
  | { readonly kind: 'not_found' };

export type ReleaseResult =
  | { readonly kind: 'released'; readonly reservation: Reservation }
  | { readonly kind: 'not_held'; readonly reservation: Reservation }
  | { readonly kind: 'not_found' };

/**
 * A shopper's stake in a sale: what lets a sold-out sale be refused from
 * memory and still give each shopper the answer the store would give.
 */
export interface Holding {
  readonly userId: string;
  /** Units held or paid. */
  readonly units: number;
}

/** Sums counted from the stored reservations, not from counters that could drift with them. */
export interface LedgerCounts {
  readonly initial: number;
  readonly available: number;
  readonly held: number;
  readonly paid: number;
  readonly released: number;
  readonly reservations: number;
  /** Users whose held + paid units exceed the sale's limit (empty when I4 holds). */
  readonly usersOverLimit: ReadonlyArray<{ readonly userId: string; readonly units: number }>;
}

/**
 * Where the stock of every sale is counted and reserved.
 *
 * Each state change (reserve, settle, release) also publishes its event
 * (`reservation.created`, `reservation.paid`, `reservation.released`) to the
 * order pipeline in the same atomic, durable step: a result is returned only
 * once both are stored. How atomicity and durability are obtained (one SQL
 * transaction, a Lua script, conditional writes) is the adapter's business
 * and deliberately not part of this contract.
 */
export interface StockLedger {
  /** Puts a sale on the books with all of its stock available. */
  openSale(sale: Sale): Promise<void>;
  getSale(saleId: string): Promise<SaleSnapshot | undefined>;
  listSales(): Promise<SaleSnapshot[]>;
  /** Checks window, per-user limit and idempotency key, then takes the units, all or nothing. */
  reserve(request: ReserveRequest): Promise<ReserveResult>;
  getReservation(reservationId: string): Promise<Reservation | undefined>;
  findReservationByOrder(orderId: string): Promise<Reservation | undefined>;
  /**
   * True when a purchase under this shopper's idempotency key reached the
   * store: in any sale, whatever became of its reservation, or still under
   * way. Such a key is answered by `reserve` alone (I5); a memory that knows
   * a sale is sold out or not started may answer only the other keys.
   */
  hasUsedKey(userId: string, idempotencyKey: string): Promise<boolean>;
  /** Marks a held reservation paid if `now` is inside its payment window. Paying twice is not an error. */
  settle(reservationId: string, now: number): Promise<SettleResult>;
  /** Gives a held reservation's units back, exactly once however many callers race. */
  release(reservationId: string, reason: ReleaseReason, now: number): Promise<ReleaseResult>;
  /** Held reservations whose payment window closed at or before `now`, oldest first. */
  findExpired(now: number, limit: number): Promise<Reservation[]>;
  countSale(saleId: string): Promise<LedgerCounts | undefined>;
  /** Every shopper holding `held` or `paid` units of the sale (bounded by its stock), and how many. */
  listHoldings(saleId: string): Promise<Holding[]>;
  /** True when the store answers; used by readiness probes. */
  ping(): Promise<boolean>;
}
