import type { OrderEvent, OrderStatus, Transition } from '../domain/order.ts';
import type { Reservation } from '../domain/reservation.ts';

export interface OrderRecord {
  readonly id: string;
  readonly reservationId: string;
  readonly saleId: string;
  readonly userId: string;
  readonly quantity: number;
  readonly amountCents: number;
  readonly currency: string;
  readonly status: OrderStatus;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/**
 * The durable record of orders, written only by the order pipeline. One order
 * per reservation, enforced by the store (a unique reservation id), so a
 * redelivered event never makes a second order.
 */
export interface OrderStore {
  /**
   * Applies an event to the reservation's order: creates it on first sight,
   * then follows the order state machine. Idempotent.
   */
  apply(reservation: Reservation, event: OrderEvent, now: number): Promise<Transition>;
  get(orderId: string): Promise<OrderRecord | undefined>;
  countForSale(saleId: string): Promise<number>;
}
