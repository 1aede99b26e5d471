import type { Transition } from '../domain/order.ts';
import type { Clock } from '../ports/clock.ts';
import { noNotifier, type OrderNotifier } from '../ports/order-notifier.ts';
import type { OrderStore } from '../ports/order-store.ts';
import { parseReservationEvent, type ReservationEvent } from './reservation-event.ts';

/**
 * Applies one queued reservation event to its order record; throws when the
 * event cannot be applied (unreadable, illegal for the order, store down) so
 * the caller's queue retries it and, in the end, dead-letters it. Shared by
 * the in-process order worker and the Lambda queue consumer.
 *
 * With a notifier, the order's new status is published once the record holds
 * it. A redelivered event whose status the record already holds is published
 * again: a publish that failed after the record moved is never lost, and
 * subscribers deduplicate on (orderId, status).
 */
export function recordOrderEvent(
  deps: OrderEventDeps,
  topic: string,
  body: string,
  notifier: OrderNotifier = noNotifier,
): Promise<Transition> {
  return applyReservationEvent(deps, parseReservationEvent(topic, body), notifier);
}

type OrderEventDeps = { readonly orders: OrderStore; readonly clock: Clock };

/** `recordOrderEvent` for an event its caller has already read. */
export async function applyReservationEvent(
  deps: OrderEventDeps,
  { reservation, orderEvent }: ReservationEvent,
  notifier: OrderNotifier = noNotifier,
): Promise<Transition> {
  const transition = await deps.orders.apply(reservation, orderEvent, deps.clock.now());
  if (transition.kind === 'illegal') {
    throw new Error(`order ${reservation.orderId}: ${transition.event} is illegal from ${transition.from}`);
  }
  if (notifier !== noNotifier) {
    const status =
      transition.kind === 'move' ? transition.to : (await deps.orders.get(reservation.orderId))?.status;
    if (status === orderEvent) {
      await notifier.orderChanged({
        orderId: reservation.orderId,
        reservationId: reservation.id,
        saleId: reservation.saleId,
        userId: reservation.userId,
        quantity: reservation.quantity,
        amountCents: reservation.amountCents,
        currency: reservation.currency,
        status,
        at: deps.clock.now(),
      });
    }
  }
  return transition;
}
