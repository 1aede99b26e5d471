import { describe, expect, it } from 'vitest';
import { TokenBuckets } from '../../../src/domain/token-bucket.ts';

describe('TokenBuckets', () => {
  it('lets a burst through, then refuses until tokens refill at the rate', () => {
    const buckets = new TokenBuckets({ ratePerSecond: 2, burst: 3 });
    expect([0, 0, 0, 0].map((t) => buckets.take('a', t))).toEqual([true, true, true, false]);
    expect(buckets.retryAfterSeconds('a')).toBe(1);
    expect(buckets.take('a', 400)).toBe(false);
    expect(buckets.take('a', 500)).toBe(true);
    expect(buckets.take('a', 500)).toBe(false);
  });

  it('never saves up more than the burst', () => {
    const buckets = new TokenBuckets({ ratePerSecond: 100, burst: 2 });
    buckets.take('a', 0);
    const later = [60_000, 60_000, 60_000].map((t) => buckets.take('a', t));
    expect(later).toEqual([true, true, false]);
  });

  it('keeps shoppers apart', () => {
    const buckets = new TokenBuckets({ ratePerSecond: 1, burst: 1 });
    expect(buckets.take('a', 0)).toBe(true);
    expect(buckets.take('a', 0)).toBe(false);
    expect(buckets.take('b', 0)).toBe(true);
    expect(buckets.retryAfterSeconds('b')).toBe(1);
    expect(buckets.retryAfterSeconds('nobody')).toBe(0);
  });

  it('forgets full buckets when it reaches its size, without changing any answer', () => {
    const buckets = new TokenBuckets({ ratePerSecond: 1, burst: 1, maxKeys: 2 });
    buckets.take('a', 0);
    buckets.take('b', 0);
    expect(buckets.take('c', 10_000)).toBe(true);
    expect(buckets.take('a', 10_000)).toBe(true);
    expect(buckets.take('a', 10_000)).toBe(false);
  });
});
