import { Redis } from 'ioredis';

/**
 * An ioredis client. By default commands issued in the same tick share one
 * round trip (auto-pipelining); `autoPipelining: false` for a connection that
 * batches its writes itself (see purchaseConnections). While the server is
 * unreachable commands fail at once instead of queueing (the app answers 503
 * and the shopper retries with the same idempotency key); reconnecting goes
 * on in the background.
 */
export async function connectRedis(
  url: string,
  onError: (error: Error) => void,
  options: { readonly autoPipelining?: boolean } = {},
): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableAutoPipelining: options.autoPipelining ?? true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 5_000,
    retryStrategy: (times) => Math.min(50 * times, 1_000),
  });
  redis.on('error', onError);
  await redis.connect();
  return redis;
}

/**
 * Why Redis may lose an acknowledged write, or undefined when every write is
 * fsync'd before Redis answers (`appendonly yes`, `appendfsync always`).
 * Managed services that hide CONFIG answer "unknown".
 */
export async function redisDurabilityGap(redis: Pick<Redis, 'config'>): Promise<string | undefined> {
  let settings: unknown;
  try {
    settings = await redis.config('GET', 'append*');
  } catch {
    return 'unknown: CONFIG GET is not allowed, check appendonly/appendfsync with the provider';
  }
  const list = Array.isArray(settings) ? (settings as string[]) : [];
  const value = (name: string) => list[list.indexOf(name) + 1];
  if (value('appendonly') !== 'yes')
    return 'appendonly is off: a Redis crash loses every reservation since the last snapshot';
  if (value('appendfsync') !== 'always') {
    return `appendfsync is ${value('appendfsync')}: a machine crash or power loss can lose about the last second of reservations`;
  }
  return undefined;
}
