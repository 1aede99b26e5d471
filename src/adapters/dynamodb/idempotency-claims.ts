import type { ReserveRequest } from '../../ports/stock-ledger.ts';
import { ignoreConditionFailure, N, num, S, str } from './attributes.ts';
import { claimKey } from './ledger-keys.ts';
import type { LedgerTable } from './ledger-table.ts';

/** What a shopper's idempotency key stands for: the reservation chosen up front, and its lease. */
export interface Claim {
  readonly reservationId: string;
  readonly orderId: string;
  readonly saleId: string;
  readonly quantity: number;
  /** Wall-clock ms until which the request that claimed the key owns it. */
  readonly leaseUntil: number;
}

/**
 * The claim items `K#<user>#<key>`: the first step of a purchase takes the
 * shopper's key with a conditional put, so that one request at a time, and
 * one reservation ever, goes with it.
 */
export class IdempotencyClaims {
  readonly #table: LedgerTable;

  constructor(table: LedgerTable) {
    this.#table = table;
  }

  async get(userId: string, key: string): Promise<Claim | undefined> {
    const item = await this.#table.item(claimKey(userId, key));
    if (item === undefined) return undefined;
    return {
      reservationId: str(item, 'reservationId'),
      orderId: str(item, 'orderId'),
      saleId: str(item, 'saleId'),
      quantity: num(item, 'quantity'),
      leaseUntil: num(item, 'leaseUntil'),
    };
  }

  /** Claims the request's key for `claim`; false if the key is already claimed. */
  put(request: ReserveRequest, claim: Claim): Promise<boolean> {
    return ignoreConditionFailure(
      this.#table.db.send('PutItem', {
        TableName: this.#table.name,
        Item: {
          pk: S(claimKey(request.userId, request.idempotencyKey)),
          reservationId: S(claim.reservationId),
          orderId: S(claim.orderId),
          saleId: S(claim.saleId),
          quantity: N(claim.quantity),
          leaseUntil: N(claim.leaseUntil),
          createdAt: N(request.now),
        },
        // mirrors decidePurchase (idempotency replay/conflict) in domain/purchase-decision.ts
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  /** Gives the request's key up, if it still stands for `reservationId`. */
  async delete(request: ReserveRequest, reservationId: string): Promise<void> {
    await ignoreConditionFailure(
      this.#table.db.send('DeleteItem', {
        TableName: this.#table.name,
        Key: { pk: S(claimKey(request.userId, request.idempotencyKey)) },
        ConditionExpression: 'reservationId = :rid',
        ExpressionAttributeValues: { ':rid': S(reservationId) },
      }),
    );
  }
}
