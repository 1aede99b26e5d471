// The rules every purchase limiter keeps, written once and run against each
// implementation (rate-limiter-flexible's in-memory store, the shared-memory
// windows): call it inside a describe.
import { expect, it } from 'vitest';
import type { PurchaseLimiter, PurchaseLimits } from '../../src/ports/purchase-limiter.ts';

const alice = { userId: 'alice', clientAddress: '198.51.100.1' };

export function purchaseLimiterRules(limiterFor: (limits: PurchaseLimits) => PurchaseLimiter): void {
  it('refuses a shopper over the rate, says how long to wait, and leaves other shoppers alone', async () => {
    const limiter = limiterFor({ perUser: { perSecond: 0.1, burst: 1 }, perClient: undefined });
    expect(await limiter.admit(alice)).toEqual({ admitted: true });
    const refused = await limiter.admit(alice);
    expect(refused).toMatchObject({ admitted: false, limit: 'user' });
    expect(refused.admitted === false && refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refused.admitted === false && refused.retryAfterSeconds).toBeLessThanOrEqual(10);
    expect(await limiter.admit({ ...alice, userId: 'bob' })).toEqual({ admitted: true });
  });

  it('lets a burst through on top of the rate, then refuses', async () => {
    const limiter = limiterFor({ perUser: { perSecond: 2, burst: 5 }, perClient: undefined });
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push((await limiter.admit(alice)).admitted);
    expect(answers).toEqual([true, true, true, true, true, false]);
  });

  it('counts a client address across shoppers, and not at all when the address is unknown', async () => {
    const limiter = limiterFor({ perUser: undefined, perClient: { perSecond: 0.1, burst: 1 } });
    expect((await limiter.admit(alice)).admitted).toBe(true);
    expect(await limiter.admit({ userId: 'bob', clientAddress: alice.clientAddress })).toMatchObject({
      admitted: false,
      limit: 'client',
    });
    expect((await limiter.admit({ userId: 'bob', clientAddress: undefined })).admitted).toBe(true);
    expect((await limiter.admit({ userId: 'bob', clientAddress: undefined })).admitted).toBe(true);
  });
}
