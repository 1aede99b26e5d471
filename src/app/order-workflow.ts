import type { OrderEvent, OrderStatus } from '../domain/order.ts';
import type { Reservation } from '../domain/reservation.ts';
import type { Clock } from '../ports/clock.ts';
import type { Metrics } from '../ports/metrics.ts';
import { noNotifier, type OrderNotifier } from '../ports/order-notifier.ts';
import type { OrderStore } from '../ports/order-store.ts';
import type { OrderWorkflow, TaskTokens } from '../ports/order-workflow.ts';
import type { StockLedger } from '../ports/stock-ledger.ts';
import { applyReservationEvent } from './order-events.ts';
import { parseReservationEvent } from './reservation-event.ts';

/**
 * The order workflow's steps, as use cases. The stock ledger decides (money
 * and stock, as everywhere else); the workflow orders the steps and writes
 * the order record from what the ledger says, so a resume that is lost or
 * late changes when the record moves, never where it ends.
 */
export interface WorkflowStepDeps {
  readonly ledger: StockLedger;
  readonly orders: OrderStore;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly workflow: OrderWorkflow;
  readonly tokens: TaskTokens;
  readonly notifier?: OrderNotifier | undefined;
}

/** Where a reservation stands, as the workflow branches on it. */
export type LedgerOutcome = 'held' | Exclude<OrderStatus, 'pending' | 'confirmed'>;

/** A step's failure that no retry can mend; the definition sends it straight to the dead letter. */
export class WorkflowStepError extends Error {
  override name: 'OrderNotFound' | 'LedgerDisagrees' | 'InvalidStepInput';

  constructor(name: WorkflowStepError['name'], message: string) {
    super(message);
    this.name = name;
  }
}

export function ledgerOutcome(reservation: Reservation): LedgerOutcome {
  if (reservation.state === 'held') return 'held';
  if (reservation.state === 'paid') return 'paid';
  return reservation.releaseReason ?? 'expired';
}

async function reservationOf(deps: WorkflowStepDeps, orderId: string): Promise<Reservation> {
  const reservation = await deps.ledger.findReservationByOrder(orderId);
  if (reservation === undefined)
    throw new WorkflowStepError('OrderNotFound', `no reservation for ${orderId}`);
  return reservation;
}

/**
 * First step: where the reservation stands, and how long to wait for payment
 * (to the end of its window, whole seconds rounded up so the wait never ends
 * before the ledger would refuse the payment; at least 1, as Step Functions
 * requires).
 */
export async function inspectOrder(
  deps: WorkflowStepDeps,
  orderId: string,
): Promise<{ readonly outcome: LedgerOutcome; readonly waitSeconds: number }> {
  const reservation = await reservationOf(deps, orderId);
  const waitSeconds = Math.max(1, Math.ceil((reservation.expiresAt - deps.clock.now()) / 1000));
  return { outcome: ledgerOutcome(reservation), waitSeconds };
}

/**
 * Applies `event` to the order record (and publishes it, as the queue
 * consumer does). Refuses an outcome the ledger does not hold: the record
 * never says paid for units the ledger gave back.
 */
export async function recordOrderStep(
  deps: WorkflowStepDeps,
  orderId: string,
  event: OrderEvent,
): Promise<{ readonly status: OrderEvent }> {
  const reservation = await reservationOf(deps, orderId);
  if (event !== 'confirmed' && ledgerOutcome(reservation) !== event) {
    throw new WorkflowStepError(
      'LedgerDisagrees',
      `order ${orderId}: the workflow says ${event}, the ledger says ${ledgerOutcome(reservation)}`,
    );
  }
  await applyReservationEvent(deps, { reservation, orderEvent: event }, deps.notifier ?? noNotifier);
  return { status: event };
}

/**
 * The wait for payment begins: keeps the token where pay and cancel find it,
 * then reads the ledger. A payment or cancellation that came before the token
 * was kept found no token to resume with; reading after keeping it catches
 * that (each side writes, then reads what the other wrote), so the wait ends
 * at once instead of at its timeout.
 */
export async function awaitPayment(
  deps: WorkflowStepDeps,
  orderId: string,
  token: string,
): Promise<{ readonly outcome: LedgerOutcome }> {
  await deps.tokens.save(orderId, token);
  const outcome = ledgerOutcome(await reservationOf(deps, orderId));
  if (outcome === 'paid' || outcome === 'cancelled') await deps.workflow.complete(token, outcome);
  return { outcome };
}

/**
 * The wait timed out: gives the units back unless a payment or a
 * cancellation got there first; the workflow goes on with what the ledger
 * says. A payment after this answers `payment_window_expired`, as on the queue.
 */
export async function releaseOnTimeout(
  deps: WorkflowStepDeps,
  orderId: string,
): Promise<{ readonly outcome: LedgerOutcome }> {
  const reservation = await reservationOf(deps, orderId);
  const result = await deps.ledger.release(reservation.id, 'expired', deps.clock.now());
  switch (result.kind) {
    case 'released':
      deps.metrics.reservationsExpired(1);
      return { outcome: 'expired' };
    case 'not_held':
      return { outcome: ledgerOutcome(result.reservation) };
    case 'not_found':
      throw new WorkflowStepError('OrderNotFound', `no reservation ${reservation.id}`);
  }
}

/**
 * The queue consumer's part when orders run as workflows: a new reservation
 * starts its order's workflow; the other events need nothing, as the
 * workflow itself moves the record (pay and cancel resume it, its timeout
 * expires it).
 */
export async function startOrderWorkflow(
  workflow: OrderWorkflow,
  topic: string,
  body: string,
): Promise<void> {
  const { reservation, requestId } = parseReservationEvent(topic, body);
  if (topic !== 'reservation.created') return;
  await workflow.start(reservation.orderId, { orderId: reservation.orderId, requestId });
}
