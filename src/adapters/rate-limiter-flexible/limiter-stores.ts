import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { PurchaseLimiter, PurchaseLimits } from '../../ports/purchase-limiter.ts';
import { FlexiblePurchaseLimiter } from './flexible-purchase-limiter.ts';

/**
 * The limits counted in Redis, shared by every process on it: one atomic
 * script (INCR + PEXPIRE) per attempt and window, keys
 * `<prefix>ratelimit:<user|client>:<id>` that expire with their window.
 *
 * While Redis does not answer (or is not connected), each process counts in
 * its own memory instead (the library's insurance limiter): the limit then
 * holds per process, as before, rather than refusing every shopper or letting
 * every attempt through. In this shape the stock is in the same Redis, so
 * those purchases answer 503 anyway; the insurance only keeps a flood of
 * them off the ledger's error path.
 */
export function redisPurchaseLimiter(
  limits: PurchaseLimits,
  redis: object,
  keyPrefix: string,
): PurchaseLimiter {
  return new FlexiblePurchaseLimiter(
    limits,
    (options) =>
      new RateLimiterRedis({
        ...options,
        keyPrefix: `${keyPrefix}ratelimit:${options.keyPrefix}`,
        storeClient: redis,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory(options),
      }),
  );
}
