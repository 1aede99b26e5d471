import { Redis } from 'ioredis';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { describe, expect, it } from 'vitest';
import { FlexiblePurchaseLimiter } from '../../../../src/adapters/rate-limiter-flexible/flexible-purchase-limiter.ts';
import { redisPurchaseLimiter } from '../../../../src/adapters/rate-limiter-flexible/limiter-stores.ts';
import type { PurchaseLimits } from '../../../../src/ports/purchase-limiter.ts';

/** The rule over the library's in-memory store (the Redis store's insurance, below). */
const memoryPurchaseLimiter = (limits: PurchaseLimits) =>
  new FlexiblePurchaseLimiter(limits, (options) => new RateLimiterMemory(options));

const alice = { userId: 'alice', clientAddress: '198.51.100.1' };

describe('the purchase limiter on rate-limiter-flexible', () => {
  it('refuses a shopper over the rate, says how long to wait, and leaves other shoppers alone', async () => {
    const limiter = memoryPurchaseLimiter({ perUser: { perSecond: 0.1, burst: 1 }, perClient: undefined });
    expect(await limiter.admit(alice)).toEqual({ admitted: true });
    const refused = await limiter.admit(alice);
    expect(refused).toMatchObject({ admitted: false, limit: 'user' });
    expect(refused.admitted === false && refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refused.admitted === false && refused.retryAfterSeconds).toBeLessThanOrEqual(10);
    expect(await limiter.admit({ ...alice, userId: 'bob' })).toEqual({ admitted: true });
  });

  it('lets a burst through on top of the rate, then refuses', async () => {
    const limiter = memoryPurchaseLimiter({ perUser: { perSecond: 2, burst: 5 }, perClient: undefined });
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push((await limiter.admit(alice)).admitted);
    expect(answers).toEqual([true, true, true, true, true, false]);
  });

  it('counts a client address across shoppers, and not at all when the address is unknown', async () => {
    const limiter = memoryPurchaseLimiter({ perUser: undefined, perClient: { perSecond: 0.1, burst: 1 } });
    expect((await limiter.admit(alice)).admitted).toBe(true);
    expect(await limiter.admit({ userId: 'bob', clientAddress: alice.clientAddress })).toMatchObject({
      admitted: false,
      limit: 'client',
    });
    expect((await limiter.admit({ userId: 'bob', clientAddress: undefined })).admitted).toBe(true);
    expect((await limiter.admit({ userId: 'bob', clientAddress: undefined })).admitted).toBe(true);
  });

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
