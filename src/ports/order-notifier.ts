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
}

export const noNotifier: OrderNotifier = { orderChanged: async () => {} };
