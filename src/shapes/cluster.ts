import { PgOrderStore } from '../adapters/postgres/pg-order-store.ts';
import { openOrderPool } from '../adapters/postgres/pool.ts';
import { redisPurchaseLimiter } from '../adapters/rate-limiter-flexible/limiter-stores.ts';
import { purchaseConnections } from '../adapters/redis/purchase-connections.ts';
import { connectRedis, redisDurabilityGap } from '../adapters/redis/redis-client.ts';
import { RedisEventQueue } from '../adapters/redis/redis-event-queue.ts';
import { RedisKeys } from '../adapters/redis/redis-keys.ts';
import { RedisOrderFeed } from '../adapters/redis/redis-order-feed.ts';
import { RedisSoldOutSignal } from '../adapters/redis/redis-sold-out-signal.ts';
import { RedisStockLedger } from '../adapters/redis/redis-stock-ledger.ts';
import type { Backend } from '../ports/backend.ts';
import type { ClusterConfig } from './cluster-shape.ts';

/** Connections purchases are spread over (see purchaseConnections), besides the one for everything else. */
const PURCHASE_CONNECTIONS = 4;

/** The shape's settings (its flags and environment variables), and where to report trouble. */
export type ClusterBackendOptions = Omit<ClusterConfig, 'databaseUrl'> & {
  /** Required here: the shape's config check refuses a start without one. */
  readonly databaseUrl: string;
  /** Connection trouble the clients recover from by themselves (log it). */
  readonly onConnectionError?: (error: Error) => void;
  /** Told at start when Redis is not set to fsync every write (AOF `appendfsync always`). */
  readonly onDurabilityGap?: (gap: string) => void;
};

/**
 * The cluster shape: stock, reservations, idempotency keys and the order
 * stream in Redis; orders, payments and releases in PostgreSQL. Any number of
 * processes may open it against the same servers.
 */
export async function openClusterBackend(options: ClusterBackendOptions): Promise<Backend> {
  const onError = options.onConnectionError ?? (() => {});
  const keys = new RedisKeys(options.redisPrefix);
  const redis = await connectRedis(options.redisUrl, onError);
  const closers: Array<() => Promise<unknown>> = [async () => redis.disconnect()];
  try {
    const gap = await redisDurabilityGap(redis);
    if (gap !== undefined) options.onDurabilityGap?.(gap);
    const subscriber = await connectRedis(options.redisUrl, onError);
    closers.push(async () => subscriber.disconnect());
    const soldOut = await RedisSoldOutSignal.open(redis, subscriber, keys.soldOutChannel());
    const feedSubscriber = await connectRedis(options.redisUrl, onError);
    const orderFeed = new RedisOrderFeed(redis, feedSubscriber, keys);
    closers.push(() => orderFeed.close());
    const pool = await openOrderPool({ url: options.databaseUrl, schema: options.databaseSchema }, onError);
    closers.push(() => pool.end());
    const purchasing = [];
    for (let i = 0; i < PURCHASE_CONNECTIONS; i++) {
      const connection = await connectRedis(options.redisUrl, onError, { autoPipelining: false });
      closers.push(async () => connection.disconnect());
      purchasing.push(connection);
    }
    const queue = new RedisEventQueue(redis, keys, { claimIdleMs: options.workerClaimIdleMs });
    await queue.ensureGroup();
    return {
      name: 'cluster',
      ledger: new RedisStockLedger(redis, keys, {
        stockShards: options.stockShards,
        purchases: purchaseConnections(purchasing),
      }),
      orders: new PgOrderStore(pool),
      queue,
      soldOut,
      orderFeed,
      sharedPurchaseLimiter: (limits) => redisPurchaseLimiter(limits, redis, options.redisPrefix),
      close: async () => {
        await soldOut.close();
        for (const close of closers.reverse()) await close();
      },
    };
  } catch (error) {
    for (const close of closers.reverse()) await close().catch(() => {});
    throw error;
  }
}
