import type { Redis } from 'ioredis';
import type { Sale } from '../../domain/sale.ts';
import { splitStock } from '../../domain/stock-shards.ts';
import type { RedisKeys } from './redis-keys.ts';

/** A sale as opened, with the number of counters its stock is split over. */
export interface SaleDefinition {
  readonly sale: Sale;
  readonly shards: number;
  /** The sale's keys, made once: every purchase names them. */
  readonly keys: SaleKeys;
}

export interface SaleKeys {
  readonly sale: string;
  readonly holdings: string;
  readonly reservations: string;
  /** Shard counter keys, by shard number. */
  readonly shards: readonly string[];
}

/** The subset of an ioredis client the sale book needs. */
export type SaleBookRedis = Pick<Redis, 'hgetall' | 'mget' | 'multi'>;

/**
 * The sales of the Redis ledger: opening one (its stock split over shard
 * counters), reading its definition (cached: a sale never changes once
 * opened) and summing its shards.
 */
export class RedisSaleBook {
  readonly #redis: SaleBookRedis;
  readonly #keys: RedisKeys;
  readonly #stockShards: number;
  readonly #definitions = new Map<string, SaleDefinition>();

  constructor(redis: SaleBookRedis, keys: RedisKeys, stockShards: number) {
    this.#redis = redis;
    this.#keys = keys;
    this.#stockShards = stockShards;
  }

  async open(sale: Sale): Promise<void> {
    const shards = Math.max(1, Math.min(this.#stockShards, sale.stock));
    const tx = this.#redis.multi();
    tx.hset(this.#keys.sale(sale.id), {
      json: JSON.stringify(sale),
      startsAt: sale.startsAt,
      endsAt: sale.endsAt,
      perUserLimit: sale.perUserLimit,
      shards,
    });
    splitStock(sale.stock, shards).forEach((units, shard) => {
      tx.set(this.#keys.stockShard(sale.id, shard), units);
    });
    tx.zadd(this.#keys.sales(), sale.createdAt, sale.id);
    await tx.exec();
    this.#definitions.set(sale.id, this.#define(sale, shards));
  }

  /** The sale if this process has seen it (no store access, no promise). */
  cached(saleId: string): SaleDefinition | undefined {
    return this.#definitions.get(saleId);
  }

  async definition(saleId: string): Promise<SaleDefinition | undefined> {
    const cached = this.#definitions.get(saleId);
    if (cached !== undefined) return cached;
    const hash = await this.#redis.hgetall(this.#keys.sale(saleId));
    if (hash.json === undefined) return undefined;
    // Sales opened before purchase tokens existed have no such field: they need none.
    const sale = { purchaseToken: false, ...(JSON.parse(hash.json) as Omit<Sale, 'purchaseToken'>) };
    const definition = this.#define(sale, Number(hash.shards));
    this.#definitions.set(saleId, definition);
    return definition;
  }

  async available(definition: SaleDefinition): Promise<number> {
    const levels = await this.#redis.mget(...definition.keys.shards);
    return levels.reduce((sum, level) => sum + Number(level ?? 0), 0);
  }

  #define(sale: Sale, shards: number): SaleDefinition {
    const keys = this.#keys;
    return {
      sale,
      shards,
      keys: {
        sale: keys.sale(sale.id),
        holdings: keys.holdings(sale.id),
        reservations: keys.saleReservations(sale.id),
        shards: Array.from({ length: shards }, (_, shard) => keys.stockShard(sale.id, shard)),
      },
    };
  }
}
