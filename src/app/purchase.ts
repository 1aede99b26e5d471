import { FlashSaleError } from '../domain/errors.ts';
import type { Reservation } from '../domain/reservation.ts';
import type { Sale } from '../domain/sale.ts';
import type { ReserveResult } from '../ports/stock-ledger.ts';
import type { AppDeps } from './deps.ts';
import { checkPurchaseToken } from './purchase-tokens.ts';

export interface PurchaseCommand {
  readonly saleId: string;
  readonly userId: string;
  readonly quantity: number;
  readonly idempotencyKey: string;
  /** The client's IP address as the HTTP edge established it, for the per-client limit. */
  readonly clientAddress?: string | undefined;
  /** The X-Purchase-Token header, for a sale created with `purchaseToken`. */
  readonly purchaseToken?: string | undefined;
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
  // Counted before anything else: a refused attempt never reaches the store.
  const limiter = deps.purchaseLimiter;
  if (limiter !== undefined) {
    const admission = await limiter.admit({ userId: command.userId, clientAddress: command.clientAddress });
    if (!admission.admitted) {
      deps.metrics.purchase('rate_limited');
      throw new FlashSaleError(
        'rate_limited',
        'too many purchase attempts: wait and retry with the same key',
        {
          details: { retryAfterSeconds: admission.retryAfterSeconds, limit: admission.limit },
        },
      );
    }
  }
  const now = deps.clock.now();
  const cached = deps.saleCache?.peek(command.saleId);
  // Whether the sale needs a purchase token: from memory once the sale was seen (it never changes).
  const sale = cached ?? (await saleOf(deps, command.saleId));
  if (sale?.purchaseToken === true && now >= sale.startsAt) {
    // No token exists before the start: the early crowd hears when it starts, below.
    try {
      checkPurchaseToken(deps.purchaseTokens, sale, command.userId, command.purchaseToken);
    } catch (error) {
      if (error instanceof FlashSaleError) deps.metrics.purchase(error.code);
      throw error;
    }
  }
  // Memory answers the early crowd (no reservation of a sale exists before its start) and the losers
  // of a sold-out sale (see SoldOutBoard) without a purchase reaching the store, but it does not
  // know the shopper's keys: a key already used, in any sale, is answered by the store (I5).
  const board = deps.soldOutBoard;
  let result: ReserveResult | undefined =
    sale !== undefined && now < sale.startsAt
      ? { kind: 'not_started', startsAt: sale.startsAt }
      : board?.refusal(command, now);
  try {
    if (result !== undefined && (await deps.ledger.hasUsedKey(command.userId, command.idempotencyKey))) {
      result = undefined;
    }
    if (result === undefined) {
      result = await deps.ledger.reserve({ ...command, now });
      if (result.kind === 'sold_out') {
        board?.soldOut(command.saleId);
        // Not awaited: the answer does not wait on the edge (the publisher never rejects).
        void deps.edgeStatus?.soldOut(command.saleId);
      }
    }
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
      throw SOLD_OUT;
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

async function saleOf(deps: AppDeps, saleId: string): Promise<Sale | undefined> {
  try {
    return deps.saleCache === undefined
      ? (await deps.ledger.getSale(saleId))?.sale
      : await deps.saleCache.get(saleId);
  } catch (error) {
    throw new FlashSaleError(
      'backend_unavailable',
      'the store did not answer: retry with the same idempotencyKey',
      {
        cause: error,
      },
    );
  }
}

/**
 * The refusals a stampede repeats by the million carry nothing of the
 * request: one error each (per start time for not_started) is thrown again
 * and again, instead of building an Error for every loser. Frozen, so the
 * HTTP edge may build its answer once (see errorResponse).
 */
const SOLD_OUT = Object.freeze(new FlashSaleError('sold_out', 'sold out: no units left'));
const notStartedByStart = new Map<number, FlashSaleError>();

function notStarted(startsAt: number): FlashSaleError {
  let error = notStartedByStart.get(startsAt);
  if (error === undefined) {
    error = Object.freeze(
      new FlashSaleError('not_started', 'the sale has not started yet: retry after startsAt', {
        details: Object.freeze({ startsAt: new Date(startsAt).toISOString() }),
      }),
    );
    // Bounded: a start time is a sale's; a process sees few.
    if (notStartedByStart.size >= 1_000) notStartedByStart.clear();
    notStartedByStart.set(startsAt, error);
  }
  return error;
}
