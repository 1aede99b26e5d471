import { memoryPurchaseLimiter } from '../../adapters/rate-limiter-flexible/limiter-stores.ts';
import type { Config } from '../../config.ts';
import type { Backend } from '../../ports/backend.ts';
import type { PurchaseLimiter, PurchaseLimits } from '../../ports/purchase-limiter.ts';

/** The limits the configuration asks for; undefined when every one is off. */
export function purchaseLimitsOf(config: Config): PurchaseLimits | undefined {
  const perUser =
    config.rateLimitPerSecond > 0
      ? { perSecond: config.rateLimitPerSecond, burst: config.rateLimitBurst }
      : undefined;
  const perClient =
    config.rateLimitIpPerSecond > 0
      ? { perSecond: config.rateLimitIpPerSecond, burst: 2 * config.rateLimitIpPerSecond }
      : undefined;
  return perUser === undefined && perClient === undefined ? undefined : { perUser, perClient };
}

/**
 * The server's limiter: shared through the backend's store where the shape
 * has one (cluster: Redis), else counted in this process (embedded: the main
 * thread, which the other HTTP threads ask).
 */
export function openPurchaseLimiter(
  config: Config,
  backend: Pick<Backend, 'sharedPurchaseLimiter'>,
): PurchaseLimiter | undefined {
  const limits = purchaseLimitsOf(config);
  if (limits === undefined) return undefined;
  return backend.sharedPurchaseLimiter?.(limits) ?? memoryPurchaseLimiter(limits);
}
