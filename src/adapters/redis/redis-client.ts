import { Redis } from 'ioredis';

/**
 * An ioredis client for the hot path: commands issued in the same tick share
 * one round trip (auto-pipelining). While the server is unreachable commands
 * fail at once instead of queueing (the app answers 503 and the shopper
 * retries with the same idempotency key); reconnecting goes on in the background.
 */
export async function connectRedis(url: string, onError: (error: Error) => void): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 5_000,
    retryStrategy: (times) => Math.min(50 * times, 1_000),
  });
  redis.on('error', onError);
  await redis.connect();
  return redis;
}
