import { describe, expect, it } from 'vitest';
import { rateWindows, retryAfterSeconds } from '../../../src/domain/rate-windows.ts';

describe('rateWindows: a rate as fixed windows', () => {
  it('counts a rate of one a second or more in one-second windows, the burst above it in a longer one', () => {
    expect(rateWindows({ perSecond: 20, burst: 40 })).toEqual({
      steady: { points: 20, seconds: 1 },
      burst: { points: 20, seconds: 2 },
    });
    expect(rateWindows({ perSecond: 2, burst: 5 })).toEqual({
      steady: { points: 2, seconds: 1 },
      burst: { points: 3, seconds: 3 },
    });
  });

  it('counts a rate under one a second as one attempt per 1/rate seconds, with no burst at or under it', () => {
    expect(rateWindows({ perSecond: 0.1, burst: 1 })).toEqual({
      steady: { points: 1, seconds: 10 },
      burst: undefined,
    });
    expect(rateWindows({ perSecond: 5, burst: 5 }).burst).toBeUndefined();
  });

  it('says at least one whole second to wait', () => {
    expect(retryAfterSeconds(1)).toBe(1);
    expect(retryAfterSeconds(0)).toBe(1);
    expect(retryAfterSeconds(1_001)).toBe(2);
  });
});
