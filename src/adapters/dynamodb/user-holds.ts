import { type Item, ignoreConditionFailure, N, optNum, S } from './attributes.ts';
import type { Claim } from './idempotency-claims.ts';
import type { SaleDefinition } from './ledger-items.ts';
import { holdName, holdReservationId, userKey } from './ledger-keys.ts';
import type { LedgerTable } from './ledger-table.ts';

/** A hold's lease once its reservation is known to exist: it never runs out. */
const NEVER = Number.MAX_SAFE_INTEGER;

/** One reservation's units on a shopper's count whose lease ran out. */
export interface LapsedHold {
  readonly reservationId: string;
  readonly quantity: number;
}

/**
 * The user items `U#<sale>#<user>`: the units a shopper holds or paid in a
 * sale (`units`), and one hold attribute `h:<reservation>` per reservation
 * with its quantity and lease, so each is added and taken off exactly once.
 */
export class UserHolds {
  readonly #table: LedgerTable;
  readonly #wall: () => number;

  constructor(table: LedgerTable, wallClock: () => number) {
    this.#table = table;
    this.#wall = wallClock;
  }

  /** Units the shopper holds or paid in the sale. */
  async units(saleId: string, userId: string): Promise<number> {
    const item = await this.#table.item(userKey(saleId, userId), 'units');
    return item === undefined ? 0 : (optNum(item, 'units') ?? 0);
  }

  /** Adds the claim's units to the shopper's count with a hold; false if the limit does not allow it. */
  take(sale: SaleDefinition, userId: string, claim: Claim): Promise<boolean> {
    return ignoreConditionFailure(
      this.#table.db.send('UpdateItem', {
        TableName: this.#table.name,
        Key: { pk: S(userKey(sale.id, userId)) },
        UpdateExpression: 'SET units = if_not_exists(units, :zero) + :q, #hold = :hold',
        // mirrors decidePurchase (per-user limit) in domain/purchase-decision.ts
        ConditionExpression: 'attribute_not_exists(#hold) AND (attribute_not_exists(units) OR units <= :max)',
        ExpressionAttributeNames: { '#hold': holdName(claim.reservationId) },
        ExpressionAttributeValues: {
          ':zero': N(0),
          ':q': N(claim.quantity),
          ':max': N(sale.perUserLimit - claim.quantity),
          ':hold': { M: { q: N(claim.quantity), until: N(claim.leaseUntil) } },
        },
      }),
    );
  }

  /** Removes a reservation's hold and its units, exactly once (conditional on the hold). */
  release(saleId: string, userId: string, reservationId: string, quantity: number): Promise<boolean> {
    return this.#updateHold(saleId, userId, reservationId, {
      update: 'SET units = units - :q REMOVE #hold',
      values: { ':q': N(quantity) },
    });
  }

  /** Marks a hold whose reservation exists as lasting, so it is never looked at again. */
  async confirm(saleId: string, userId: string, reservationId: string): Promise<void> {
    await this.#updateHold(saleId, userId, reservationId, {
      update: 'SET #hold.#until = :never',
      names: { '#until': 'until' },
      values: { ':never': N(NEVER) },
    });
  }

  /** The shopper's holds whose lease ran out (their reservation may or may not exist). */
  async lapsed(saleId: string, userId: string): Promise<LapsedHold[]> {
    const item = await this.#table.item(userKey(saleId, userId));
    if (item === undefined) return [];
    const now = this.#wall();
    const lapsed: LapsedHold[] = [];
    for (const [name, value] of Object.entries(item)) {
      const reservationId = holdReservationId(name);
      if (reservationId !== undefined && Number(value.M?.until?.N ?? NEVER) < now) {
        lapsed.push({ reservationId, quantity: Number(value.M?.q?.N ?? 0) });
      }
    }
    return lapsed;
  }

  /** Updates the user item while the reservation's hold `#hold` is on it; false once it is gone. */
  #updateHold(
    saleId: string,
    userId: string,
    reservationId: string,
    change: { readonly update: string; readonly names?: Record<string, string>; readonly values: Item },
  ): Promise<boolean> {
    return ignoreConditionFailure(
      this.#table.db.send('UpdateItem', {
        TableName: this.#table.name,
        Key: { pk: S(userKey(saleId, userId)) },
        UpdateExpression: change.update,
        ConditionExpression: 'attribute_exists(#hold)',
        ExpressionAttributeNames: { '#hold': holdName(reservationId), ...change.names },
        ExpressionAttributeValues: change.values,
      }),
    );
  }
}
