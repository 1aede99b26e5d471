import { FlashSaleError } from '../domain/errors.ts';
import type { Reservation } from '../domain/reservation.ts';
import type { ReserveResult } from '../ports/stock-ledger.ts';
import type { AppDeps } from './deps.ts';

export interface PurchaseCommand {
  readonly saleId: string;
  readonly userId: string;
  readonly quantity: number;
  readonly idempotencyKey: string;
  /** Carried in the reservation event: see ReserveRequest.requestId. */
  readonly requestId?: string | undefined;
}

export interface Purchased {
  readonly reservation: Reservation;
  readonly replayed: boolean;
}

/**
 * Reserves units for a shopper. Resolves only once the reservation and its
 * order event are durable; every refusal is a FlashSaleError with its code.
 */
export async function purchase(deps: AppDeps, command: PurchaseCommand): Promise<Purchased> {
  const now = deps.clock.now();
  const limiter = deps.purchaseLimiter;
  if (limiter !== undefined && !limiter.take(command.userId, now)) {
    deps.metrics.purchase('rate_limited');
    throw new FlashSaleError('rate_limited', 'too many purchase attempts: wait and retry with the same key', {
      details: { retryAfterSeconds: limiter.retryAfterSeconds(command.userId) },
    });
  }
  // Before the start no reservation can exist, so the early crowd never reaches the store.
  const sale = deps.saleCache?.peek(command.saleId);
  if (sale !== undefined && now < sale.startsAt) {
    deps.metrics.purchase('not_started');
    throw notStarted(sale.startsAt);
  }
  // Once a sale is sold out, most attempts are answered from memory (see SoldOutBoard).
  const board = deps.soldOutBoard;
  let result: ReserveResult | undefined = board?.refusal(command, now);
  if (result === undefined) {
    try {
      result = await deps.ledger.reserve({ ...command, now });
    } catch (error) {
      // Safe advice whatever the store managed to do: a retried key never takes a second unit.
      throw new FlashSaleError(
        'backend_unavailable',
        'the store did not answer: retry with the same idempotencyKey',
        {
          cause: error,
        },
      );
    }
    if (result.kind === 'sold_out') board?.soldOut(command.saleId);
  }
  // A retried key answered again took no unit: counted apart, so `reserved` counts units taken once.
  deps.metrics.purchase(result.kind === 'reserved' && result.replayed ? 'replayed' : result.kind);
  switch (result.kind) {
    case 'reserved':
      return { reservation: result.reservation, replayed: result.replayed };
    case 'sale_not_found':
      throw new FlashSaleError('sale_not_found', `no sale with id ${command.saleId}`);
    case 'not_started':
      throw notStarted(result.startsAt);
    case 'ended':
      throw new FlashSaleError('ended', 'the sale has ended', {
        details: { endsAt: new Date(result.endsAt).toISOString() },
      });
    case 'sold_out':
      throw new FlashSaleError('sold_out', 'sold out: no units left');
    case 'insufficient_stock':
      throw new FlashSaleError('insufficient_stock', `only ${result.available} left: ask for fewer`, {
        details: { available: result.available },
      });
    case 'limit_exceeded':
      throw new FlashSaleError(
        'limit_exceeded',
        `the limit is ${result.limit} per shopper and you hold ${result.alreadyHeld}`,
        { details: { limit: result.limit, alreadyHeld: result.alreadyHeld } },
      );
    case 'idempotency_conflict':
      throw new FlashSaleError(
        'idempotency_conflict',
        'this idempotency key was already used for a different purchase: use a new key',
        { details: { reservationId: result.reservationId } },
      );
  }
}

function notStarted(startsAt: number): FlashSaleError {
  return new FlashSaleError('not_started', 'the sale has not started yet: retry after startsAt', {
    details: { startsAt: new Date(startsAt).toISOString() },
  });
}
