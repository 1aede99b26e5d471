import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { shardProbeOrder } from '../../domain/stock-shards.ts';
import {
  ignoreConditionFailure,
  isConditionFailure,
  isDefiniteRejection,
  isReplicatedWriteConflict,
  N,
  num,
  S,
  str,
} from './attributes.ts';
import type { SaleDefinition, Takes } from './ledger-items.ts';
import { giveBackMark, shardKey, shardOfKey } from './ledger-keys.ts';
import type { LedgerTable } from './ledger-table.ts';

export type TakeResult =
  | { readonly kind: 'taken'; readonly takes: Takes }
  | { readonly kind: 'sold_out' }
  | { readonly kind: 'insufficient_stock'; readonly available: number };

/** A write DynamoDB refused: nothing of this step was applied, so the steps before it can be undone. */
export class NothingTaken extends Error {
  constructor(cause: unknown) {
    super('the store refused the stock update', { cause });
  }
}

/**
 * A sale's stock split over shard items `S#<sale>#<n>` (each takes ~1,000
 * writes/s): creating them, reading their levels, taking units with the
 * seed's conditional decrement and giving units back.
 */
export class ShardedStock {
  readonly #table: LedgerTable;
  readonly #random: () => number;

  constructor(table: LedgerTable, random: () => number) {
    this.#table = table;
    this.#random = random;
  }

  /** Writes one item per shard, each with its units; refused if the sale's shards exist. */
  async create(saleId: string, units: readonly number[]): Promise<void> {
    await Promise.all(
      units.map((stock, n) =>
        this.#table.db.send('PutItem', {
          TableName: this.#table.name,
          Item: { pk: S(shardKey(saleId, n)), saleId: S(saleId), stock: N(stock) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  /** Units left on each shard, by shard number. */
  async levels(sale: SaleDefinition, consistent: boolean): Promise<number[]> {
    const stocks = new Array<number>(sale.shards).fill(0);
    let keys: Array<Record<string, AttributeValue>> = Array.from({ length: sale.shards }, (_, n) => ({
      pk: S(shardKey(sale.id, n)),
    }));
    while (keys.length > 0) {
      const result = await this.#table.db.send('BatchGetItem', {
        RequestItems: { [this.#table.name]: { Keys: keys, ConsistentRead: consistent } },
      });
      for (const item of result.Responses?.[this.#table.name] ?? []) {
        stocks[shardOfKey(str(item, 'pk'))] = num(item, 'stock');
      }
      keys = result.UnprocessedKeys?.[this.#table.name]?.Keys ?? [];
    }
    return stocks;
  }

  /** Units left over all the shards. */
  async available(sale: SaleDefinition, consistent: boolean): Promise<number> {
    return sum(await this.levels(sale, consistent));
  }

  /**
   * Takes `quantity` units: whole from one shard (random first, then the
   * others), else gathered over several. Sold out only when every shard
   * refused and a consistent read finds them all empty. A shard that another
   * Region is writing at that moment (global tables) is passed over; if that
   * kept the units out of reach, nothing is taken and the caller hears a
   * fault to retry, never a false sold_out.
   */
  async take(sale: SaleDefinition, quantity: number): Promise<TakeResult> {
    const order = shardProbeOrder(sale.shards, this.#random);
    let conflict: unknown;
    for (const n of order) {
      const outcome = await this.#decrement(sale.id, n, quantity, []);
      if (outcome === 'taken') return { kind: 'taken', takes: [[n, quantity]] };
      if (outcome !== 'short') conflict = outcome.conflict;
    }
    for (let round = 0; round < 3; round++) {
      const stocks = await this.levels(sale, true);
      const total = sum(stocks);
      const refusal = stockRefusal(total, quantity);
      if (refusal !== undefined) return refusal;
      // Enough units, spread thin: gather them shard by shard.
      const takes: Array<[number, number]> = [];
      let remaining = quantity;
      for (const n of order) {
        const want = Math.min(stocks[n]!, remaining);
        if (want === 0) continue;
        const outcome = await this.#decrement(sale.id, n, want, takes);
        if (outcome === 'taken') {
          takes.push([n, want]);
          remaining -= want;
          if (remaining === 0) return { kind: 'taken', takes };
        } else if (outcome !== 'short') conflict = outcome.conflict;
      }
      await this.giveBack(sale.id, takes); // others were faster: put back what we gathered and look again
    }
    const left = await this.available(sale, true);
    const refusal = stockRefusal(left, quantity);
    if (refusal !== undefined) return refusal;
    if (conflict !== undefined) throw new NothingTaken(conflict);
    return { kind: 'insufficient_stock', available: left };
  }

  async giveBack(saleId: string, takes: Takes): Promise<void> {
    await Promise.all(
      takes.map(([shard, units]) =>
        this.#table.db.send('UpdateItem', {
          TableName: this.#table.name,
          Key: { pk: S(shardKey(saleId, shard)) },
          UpdateExpression: 'SET stock = stock + :val',
          ExpressionAttributeValues: { ':val': N(units) },
        }),
      ),
    );
  }

  /**
   * Gives one reservation's units back to one shard, at most once: the
   * shard keeps the mark `g:<reservation>` until `dropMark`, and the write
   * is conditional on its absence. True if this call gave them back.
   */
  giveBackOnce(saleId: string, shard: number, units: number, reservationId: string): Promise<boolean> {
    return ignoreConditionFailure(
      this.#table.db.send('UpdateItem', {
        TableName: this.#table.name,
        Key: { pk: S(shardKey(saleId, shard)) },
        UpdateExpression: 'SET stock = stock + :val, #mark = :one',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#mark)',
        ExpressionAttributeNames: { '#mark': giveBackMark(reservationId) },
        ExpressionAttributeValues: { ':val': N(units), ':one': N(1) },
      }),
    );
  }

  /** Takes a finished give-back's mark off the shard (only once the reservation records the units as back). */
  async dropMark(saleId: string, shard: number, reservationId: string): Promise<void> {
    await ignoreConditionFailure(
      this.#table.db.send('UpdateItem', {
        TableName: this.#table.name,
        Key: { pk: S(shardKey(saleId, shard)) },
        UpdateExpression: 'REMOVE #mark',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#mark': giveBackMark(reservationId) },
      }),
    );
  }

  /**
   * The seed's decrement, exactly. `short` when the shard has too few units;
   * `conflict` when another Region was writing the shard (nothing applied).
   */
  async #decrement(
    saleId: string,
    shard: number,
    units: number,
    takenSoFar: Takes,
  ): Promise<'taken' | 'short' | { readonly conflict: unknown }> {
    try {
      await this.#table.db.send('UpdateItem', {
        TableName: this.#table.name,
        Key: { pk: S(shardKey(saleId, shard)) },
        UpdateExpression: 'SET stock = stock - :val',
        // mirrors decidePurchase (stock check) in domain/purchase-decision.ts, for one shard
        ConditionExpression: 'stock >= :val',
        ExpressionAttributeValues: { ':val': N(units) },
        ReturnValues: 'UPDATED_NEW',
      });
      return 'taken';
    } catch (error) {
      if (isConditionFailure(error)) return 'short';
      if (isReplicatedWriteConflict(error)) return { conflict: error };
      if (isDefiniteRejection(error)) {
        await this.giveBack(saleId, takenSoFar);
        throw new NothingTaken(error);
      }
      throw error;
    }
  }
}

// mirrors decidePurchase (stock check) in domain/purchase-decision.ts
function stockRefusal(available: number, quantity: number): TakeResult | undefined {
  if (available === 0) return { kind: 'sold_out' };
  if (available < quantity) return { kind: 'insufficient_stock', available };
  return undefined;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
