import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoTime } from '../../../src/http/iso-time.ts';

describe('isoTime', () => {
  it('formats exactly as toISOString, for times in the same second and across seconds', () => {
    const base = Date.UTC(2026, 10, 28, 10, 0, 0);
    for (let ms = base - 1500; ms < base + 2500; ms += 7) {
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
  });

  it('agrees with toISOString on any time in the Date range, in any order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -8.64e15, max: 8.64e15 }), { maxLength: 20 }), (times) => {
        for (const ms of times) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 500 },
    );
  });

  it('agrees for fractional milliseconds too', () => {
    const ms = Date.UTC(2026, 10, 28, 10, 0, 0) + 12.5;
    expect(isoTime(ms - 0.5)).toBe(new Date(ms - 0.5).toISOString());
    expect(isoTime(ms)).toBe(new Date(ms).toISOString());
  });
});
