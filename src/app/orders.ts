import type { Actor } from '../domain/actor.ts';
import { FlashSaleError } from '../domain/errors.ts';
import { checkCancellation, orderStatusOf } from '../domain/order.ts';
import type { Reservation } from '../domain/reservation.ts';
import type { OrderRecord } from '../ports/order-store.ts';
import type { AppDeps } from './deps.ts';
import { readOrUnavailable } from './store-unavailable.ts';
import { resumeOrderWorkflow } from './workflow-resume.ts';

/** What a shopper sees of an order: the order record's fields plus its payment window. */
export interface OrderView extends Omit<OrderRecord, 'updatedAt'> {
  readonly expiresAt: number;
  readonly paidAt: number | null;
}

export function viewOrder(reservation: Reservation, orderRecorded: boolean): OrderView {
  return {
    id: reservation.orderId,
    reservationId: reservation.id,
    saleId: reservation.saleId,
    userId: reservation.userId,
    quantity: reservation.quantity,
    amountCents: reservation.amountCents,
    currency: reservation.currency,
    status: orderStatusOf(reservation, orderRecorded),
    createdAt: reservation.createdAt,
    expiresAt: reservation.expiresAt,
    paidAt: reservation.paidAt,
  };
}

/** The actor's order; someone else's answers as not found, so ids cannot be probed. */
async function reservationFor(deps: AppDeps, orderId: string, actor: Actor): Promise<Reservation> {
  const reservation = await readOrUnavailable('the stock ledger', () =>
    deps.ledger.findReservationByOrder(orderId),
  );
  if (reservation === undefined || (!actor.isAdmin && reservation.userId !== actor.userId)) {
    throw new FlashSaleError('order_not_found', `no order with id ${orderId}`);
  }
  return reservation;
}

export async function getOrder(deps: AppDeps, orderId: string, actor: Actor): Promise<OrderView> {
  const reservation = await reservationFor(deps, orderId, actor);
  const record = await readOrUnavailable('the order store', () => deps.orders.get(orderId));
  return viewOrder(reservation, record !== undefined);
}

export async function payOrder(deps: AppDeps, orderId: string, actor: Actor): Promise<OrderView> {
  const reservation = await reservationFor(deps, orderId, actor);
  // A retry is safe: paying a paid order answers as paid (checkPayment), so the fault may say so.
  const result = await readOrUnavailable(
    'the stock ledger',
    () => deps.ledger.settle(reservation.id, deps.clock.now()),
    'the payment may or may not have been applied: retry, a paid order answers as paid',
  );
  switch (result.kind) {
    case 'paid':
    case 'already_paid':
      // A retried payment resumes again: the first may have failed after the ledger settled.
      await resumeOrderWorkflow(deps.orderWorkflow, orderId, 'paid');
      return viewOrder(result.reservation, true);
    case 'window_expired':
      throw new FlashSaleError(
        'payment_window_expired',
        'the payment window closed: the units went back on sale',
        {
          details: { expiresAt: new Date(result.reservation.expiresAt).toISOString() },
        },
      );
    case 'not_payable':
      throw new FlashSaleError(
        'order_not_payable',
        `the order is ${orderStatusOf(result.reservation, true)}`,
      );
    case 'not_found':
      throw new FlashSaleError('order_not_found', `no order with id ${orderId}`);
  }
}

export async function cancelOrder(deps: AppDeps, orderId: string, actor: Actor): Promise<OrderView> {
  const reservation = await reservationFor(deps, orderId, actor);
  const releasing = checkCancellation(reservation) === 'cancel' ? [reservation.saleId] : [];
  await deps.edgeStatus?.beforeRelease(releasing);
  // A retry is safe: cancelling a cancelled order answers as cancelled (checkCancellation).
  const result = await readOrUnavailable(
    'the stock ledger',
    () => deps.ledger.release(reservation.id, 'cancelled', deps.clock.now()),
    'the cancellation may or may not have been applied: retry, a cancelled order answers as cancelled',
  );
  switch (result.kind) {
    case 'released':
      deps.soldOutBoard?.restocked(result.reservation.saleId);
      await deps.edgeStatus?.afterRelease([result.reservation.saleId]);
      await resumeOrderWorkflow(deps.orderWorkflow, orderId, 'cancelled');
      return viewOrder(result.reservation, true);
    case 'not_held':
      if (checkCancellation(result.reservation) === 'already_cancelled') {
        await resumeOrderWorkflow(deps.orderWorkflow, orderId, 'cancelled');
        return viewOrder(result.reservation, true);
      }
      throw new FlashSaleError(
        'order_not_cancellable',
        `the order is ${orderStatusOf(result.reservation, true)} and can no longer be cancelled`,
      );
    case 'not_found':
      throw new FlashSaleError('order_not_found', `no order with id ${orderId}`);
  }
}

/** Releases every held reservation whose payment window has closed; returns how many it released. */
export async function expireDue(deps: AppDeps, batchSize = 500): Promise<number> {
  let released = 0;
  for (;;) {
    const now = deps.clock.now();
    const due = await deps.ledger.findExpired(now, batchSize);
    const sales = due.map((reservation) => reservation.saleId);
    await deps.edgeStatus?.beforeRelease(sales);
    for (const reservation of due) {
      const result = await deps.ledger.release(reservation.id, 'expired', now);
      if (result.kind === 'released') {
        released++;
        deps.soldOutBoard?.restocked(result.reservation.saleId);
      }
    }
    await deps.edgeStatus?.afterRelease(sales);
    if (due.length < batchSize) break;
  }
  if (released > 0) deps.metrics.reservationsExpired(released);
  return released;
}
