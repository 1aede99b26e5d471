import type { OrderEvent, OrderStatus, Transition } from '../domain/order.ts';
import type { Reservation } from '../domain/reservation.ts';

/** Recorded orders of a sale by status; a reservation the pipeline has not recorded yet counts in none. */
export type OrderStatusCounts = Readonly<Record<Exclude<OrderStatus, 'pending'>, number>>;

export const NO_ORDERS: OrderStatusCounts = { confirmed: 0, paid: 0, expired: 0, cancelled: 0 };

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
  /** The sale's recorded orders by status (for the operator's dashboard). */
  countByStatus(saleId: string): Promise<OrderStatusCounts>;
}

/** Status counts from (status, count) pairs; a status no row has counts 0. */
export function tallyStatuses(rows: Iterable<readonly [string, number]>): OrderStatusCounts {
  const counts: Record<string, number> = { ...NO_ORDERS };
  for (const [status, n] of rows) if (status in counts) counts[status] = n;
  return counts as OrderStatusCounts;
}
