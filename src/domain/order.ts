import type { Reservation } from './reservation.ts';

/**
 * pending: reserved, the order pipeline has not confirmed it yet;
 * confirmed: the order exists; paid, expired, cancelled: final.
 */
export type OrderStatus = 'pending' | 'confirmed' | 'paid' | 'expired' | 'cancelled';
export type OrderEvent = 'confirmed' | 'paid' | 'expired' | 'cancelled';

export const FINAL_STATUSES: ReadonlySet<OrderStatus> = new Set(['paid', 'expired', 'cancelled']);

export type Transition =
  | { readonly kind: 'move'; readonly to: OrderStatus }
  /** The event is already reflected (a duplicate, or a late confirmation after a final state). */
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'illegal'; readonly from: OrderStatus; readonly event: OrderEvent };

/**
 * The order state machine. Events may arrive more than once and out of order
 * (queues redeliver), so applying one is idempotent and a late `confirmed`
 * never undoes a final state.
 */
export function applyOrderEvent(current: OrderStatus, event: OrderEvent): Transition {
  if (current === event) return { kind: 'unchanged' };
  if (event === 'confirmed') {
    return current === 'pending' ? { kind: 'move', to: 'confirmed' } : { kind: 'unchanged' };
  }
  if (FINAL_STATUSES.has(current)) return { kind: 'illegal', from: current, event };
  return { kind: 'move', to: event };
}

/** What a shopper sees: the reservation decides money and stock, the order record adds confirmation. */
export function orderStatusOf(reservation: Reservation, orderRecorded: boolean): OrderStatus {
  if (reservation.state === 'paid') return 'paid';
  if (reservation.state === 'released') return reservation.releaseReason ?? 'expired';
  return orderRecorded ? 'confirmed' : 'pending';
}

export type PayCheck = 'pay' | 'already_paid' | 'window_expired' | 'not_payable';

export function checkPayment(reservation: Reservation, now: number): PayCheck {
  if (reservation.state === 'paid') return 'already_paid';
  if (reservation.state === 'released') {
    return reservation.releaseReason === 'expired' ? 'window_expired' : 'not_payable';
  }
  return now < reservation.expiresAt ? 'pay' : 'window_expired';
}

export type CancelCheck = 'cancel' | 'already_cancelled' | 'not_cancellable';

export function checkCancellation(reservation: Reservation): CancelCheck {
  if (reservation.state === 'held') return 'cancel';
  if (reservation.state === 'released' && reservation.releaseReason === 'cancelled')
    return 'already_cancelled';
  return 'not_cancellable';
}
