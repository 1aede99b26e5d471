import { Redis } from 'ioredis';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { describe, expect, it } from 'vitest';
import { FlexiblePurchaseLimiter } from '../../../../src/adapters/rate-limiter-flexible/flexible-purchase-limiter.ts';
import { redisPurchaseLimiter } from '../../../../src/adapters/rate-limiter-flexible/limiter-stores.ts';
import type { PurchaseLimits } from '../../../../src/ports/purchase-limiter.ts';
import { purchaseLimiterRules } from '../../../support/purchase-limiter-rules.ts';

/** The rule over the library's in-memory store (the Redis store's insurance, below). */
const memoryPurchaseLimiter = (limits: PurchaseLimits) =>
  new FlexiblePurchaseLimiter(limits, (options) => new RateLimiterMemory(options));

const alice = { userId: 'alice', clientAddress: '198.51.100.1' };

describe('the purchase limiter on rate-limiter-flexible', () => {
  purchaseLimiterRules(memoryPurchaseLimiter);

  it('counts in memory while Redis is not there (the insurance limiter), instead of failing or letting all through', async () => {
    // A client that never connected: rate-limiter-flexible sees it "not ready" and uses the insurance.
    const offline = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false });
    const limiter = redisPurchaseLimiter(
      { perUser: { perSecond: 0.1, burst: 1 }, perClient: undefined },
      offline,
      'nowhere:',
    );
    expect((await limiter.admit(alice)).admitted).toBe(true);
    expect(await limiter.admit(alice)).toMatchObject({ admitted: false, limit: 'user' });
    offline.disconnect();
  });
});
