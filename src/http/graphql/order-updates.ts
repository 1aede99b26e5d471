import type { AppDeps } from '../../app/deps.ts';
import { FINAL_STATUSES, type OrderStatus } from '../../domain/order.ts';
import type { OrderChangeFeed } from '../../ports/order-change-feed.ts';
import { type Caller, type OrderUpdate, operations, orderUpdateOf, signedIn } from './operations.ts';
import { pushQueue } from './push-queue.ts';

/** How far along an order is: a change is passed on only if it moves the order forward. */
const RANK: Readonly<Record<OrderStatus, number>> = {
  pending: 0,
  confirmed: 1,
  paid: 2,
  expired: 2,
  cancelled: 2,
};

/**
 * `orderUpdated`: the order's current state, then each change the feed
 * carries, until a final state (paid, expired, cancelled), after which the
 * subscription completes. The feed listens before the state is read, so a
 * change made in between is not lost; the feed's redeliveries and late
 * events (a `confirmed` after `paid`) are dropped by status rank.
 */
export async function orderUpdates(
  deps: AppDeps,
  feed: OrderChangeFeed,
  caller: Caller,
  orderId: string,
): Promise<AsyncIterableIterator<OrderUpdate>> {
  signedIn(caller);
  let stopWatching = (): void => {};
  const queue = pushQueue<OrderUpdate>(() => stopWatching());
  let rank = -1;
  const forward = (update: OrderUpdate) => {
    if (RANK[update.status] <= rank) return;
    rank = RANK[update.status];
    queue.push(update);
    if (FINAL_STATUSES.has(update.status)) queue.end();
  };
  const early: OrderUpdate[] = [];
  let current: OrderUpdate | undefined;
  stopWatching = await feed.watch(orderId, (change) => {
    const update = orderUpdateOf(change);
    if (current === undefined) early.push(update);
    else forward(update);
  });
  try {
    current = await operations.orderNow(deps, caller, orderId);
  } catch (error) {
    stopWatching();
    throw error;
  }
  forward(current);
  for (const update of early) forward(update);
  return queue.iterator;
}
