import { checkCancellation, checkPayment, type OrderStatus, orderStatusOf } from '../../src/domain/order.ts';
import { decidePurchase, newReservation } from '../../src/domain/purchase-decision.ts';
import type { Reservation, ReservationState } from '../../src/domain/reservation.ts';
import type { Sale } from '../../src/domain/sale.ts';

/**
 * One sale in memory, run by the domain's own rules (decidePurchase,
 * checkPayment, checkCancellation, orderStatusOf): what every backend must
 * answer, step by step. Reservations are named by their index, in the order
 * they were made, so a backend's ids can be matched to them.
 */
export class OrderModel {
  readonly sale: Sale;
  now: number;
  available: number;
  readonly reservations: Reservation[] = [];
  /** Whether the order pipeline has recorded the reservation's order (a worker drain ran since). */
  readonly recorded: boolean[] = [];

  constructor(sale: Sale, now: number) {
    this.sale = sale;
    this.now = now;
    this.available = sale.stock;
  }

  purchase(userId: string, idempotencyKey: string, quantity: number): Answer {
    const previous = this.reservations.find(
      (r) => r.userId === userId && r.idempotencyKey === idempotencyKey,
    );
    const decision = decidePurchase({
      sale: this.sale,
      now: this.now,
      quantity,
      available: this.available,
      userHolding: this.holding(userId),
      previous,
    });
    if (decision.kind === 'reserved') return this.#reserved(decision.reservation, decision.replayed);
    if (decision.kind !== 'reserve') return { error: decision.kind };
    const index = this.reservations.length;
    const reservation = newReservation(
      this.sale,
      { userId, quantity, idempotencyKey, now: this.now },
      { id: `reservation-${index}`, orderId: `order-${index}` },
    );
    this.reservations.push(reservation);
    this.recorded.push(false);
    this.available -= quantity;
    return this.#reserved(reservation, false);
  }

  /** Someone else's order answers as not found, so ids cannot be probed. */
  pay(index: number, userId: string): Answer {
    const reservation = this.reservations[index]!;
    if (reservation.userId !== userId) return { error: 'order_not_found' };
    switch (checkPayment(reservation, this.now)) {
      case 'pay':
        return this.#answer(this.#replace(index, { ...reservation, state: 'paid', paidAt: this.now }));
      case 'already_paid':
        return this.#answer(reservation);
      case 'window_expired':
        return { error: 'payment_window_expired' };
      case 'not_payable':
        return { error: 'order_not_payable' };
    }
  }

  cancel(index: number, userId: string): Answer {
    const reservation = this.reservations[index]!;
    if (reservation.userId !== userId) return { error: 'order_not_found' };
    switch (checkCancellation(reservation)) {
      case 'cancel':
        return this.#answer(this.#release(index, 'cancelled'));
      case 'already_cancelled':
        return this.#answer(reservation);
      case 'not_cancellable':
        return { error: 'order_not_cancellable' };
    }
  }

  /** The worker's sweep: releases every held reservation whose payment window has closed. */
  expireDue(): number {
    let released = 0;
    this.reservations.forEach((r, index) => {
      if (r.state === 'held' && r.expiresAt <= this.now) {
        this.#release(index, 'expired');
        released++;
      }
    });
    return released;
  }

  /** The order pipeline caught up: every reservation's order is recorded. */
  drained(): void {
    this.recorded.fill(true);
  }

  status(index: number): OrderStatus {
    return orderStatusOf(this.reservations[index]!, this.recorded[index]!);
  }

  /** Units the user holds or has paid for (I4 counts these). */
  holding(userId: string): number {
    return this.reservations
      .filter((r) => r.userId === userId && r.state !== 'released')
      .reduce((sum, r) => sum + r.quantity, 0);
  }

  units(state: ReservationState): number {
    return this.reservations.filter((r) => r.state === state).reduce((sum, r) => sum + r.quantity, 0);
  }

  #release(index: number, reason: 'expired' | 'cancelled'): Reservation {
    const reservation = this.reservations[index]!;
    this.available += reservation.quantity;
    return this.#replace(index, { ...reservation, state: 'released', releaseReason: reason });
  }

  #replace(index: number, reservation: Reservation): Reservation {
    this.reservations[index] = reservation;
    return reservation;
  }

  #index(reservation: Reservation): number {
    return this.reservations.findIndex((r) => r.id === reservation.id);
  }

  #reserved(reservation: Reservation, replayed: boolean): Answer {
    return { order: this.#index(reservation), state: reservation.state, replayed };
  }

  /** What pay and cancel answer: the order as its shopper sees it once recorded (as the use cases do). */
  #answer(reservation: Reservation): Answer {
    return { order: this.#index(reservation), status: orderStatusOf(reservation, true) };
  }
}

/**
 * What a command answered, in terms both sides share: the reservation's index
 * (the order in which reservations were made) with its state (a purchase) or
 * its order's status (pay, cancel), or the refusal's code.
 */
export type Answer =
  | { readonly order: number; readonly state: ReservationState; readonly replayed: boolean }
  | { readonly order: number; readonly status: OrderStatus }
  | { readonly error: string };
