import type { OrderNotification } from './order-notifier.ts';

/**
 * A store that keeps reservations and orders side by side may confirm new
 * reservations' orders in bulk, without reading each `reservation.created`
 * event through the queue: the same outcome as handling those events one by
 * one (an order record per reservation, status `confirmed` unless the record
 * already moved on), in one atomic, durable step.
 */
export interface OrderProjection {
  /**
   * Records the orders of up to `max` reservations whose created event was
   * not handled yet, oldest first, and marks those events handled. Returns
   * how many events it handled; 0 when none is waiting. With `confirmed`,
   * also hands it, once durable, the orders this call recorded, unless
   * `wanted`, asked in the same atomic step as the recording, says no one
   * listens (a listener that starts after that step reads the orders as
   * recorded).
   */
  confirmPending(
    max: number,
    now: number,
    confirmed?: (orders: readonly OrderNotification[]) => void,
    wanted?: () => boolean,
  ): Promise<number>;
}
