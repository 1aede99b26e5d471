import type { OrderStatus } from '../domain/order.ts';

/** An order that moved to a new status, as subscribers (email, analytics) receive it. */
export interface OrderNotification {
  readonly orderId: string;
  readonly reservationId: string;
  readonly saleId: string;
  readonly userId: string;
  readonly quantity: number;
  readonly amountCents: number;
  readonly currency: string;
  readonly status: OrderStatus;
  readonly at: number;
}

/**
 * Tells the world an order changed (an SNS topic on AWS). At least once:
 * subscribers deduplicate on (orderId, status).
 */
export interface OrderNotifier {
  orderChanged(notification: OrderNotification): Promise<void>;
  /**
   * False when no one can hear a change now (a feed of this process alone,
   * with no watcher): a publisher may skip building the notifications.
   * Absent: always assume someone listens.
   */
  listening?(): boolean;
}

export const noNotifier: OrderNotifier = { orderChanged: async () => {} };
