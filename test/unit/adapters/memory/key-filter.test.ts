import { describe, expect, it } from 'vitest';
import { KeyFilter } from '../../../../src/adapters/memory/key-filter.ts';

const shopper = (i: number) => `shopper-${i}`;
const key = (i: number) => `0f3c9a2e-${i.toString(16).padStart(8, '0')}-key`;

describe('KeyFilter', () => {
  it('never forgets a pair it was given, across layers it grew', () => {
    const filter = new KeyFilter(1_000);
    for (let i = 0; i < 50_000; i++) filter.add(shopper(i % 997), key(i));
    expect(filter.size).toBe(50_000);
    let missed = 0;
    for (let i = 0; i < 50_000; i++) if (!filter.mightHave(shopper(i % 997), key(i))) missed++;
    expect(missed).toBe(0);
  });

  it('says "never added" for almost every pair it was not given', () => {
    const filter = new KeyFilter(100_000);
    for (let i = 0; i < 100_000; i++) filter.add(shopper(i), key(i));
    let maybe = 0;
    const probes = 100_000;
    // Same shoppers, fresh keys: the stampede's losers.
    for (let i = 0; i < probes; i++) if (filter.mightHave(shopper(i), key(i + 1_000_000))) maybe++;
    // One full layer of 10 bits an entry and 7 hashes: about 0.8 %.
    expect(maybe / probes).toBeLessThan(0.015);
  });

  it('keeps the false answers rare after growing many layers', () => {
    const filter = new KeyFilter(1_024);
    for (let i = 0; i < 200_000; i++) filter.add(shopper(i), key(i));
    let maybe = 0;
    for (let i = 0; i < 50_000; i++) if (filter.mightHave(shopper(i), `other-${i}`)) maybe++;
    expect(maybe / 50_000).toBeLessThan(0.05);
  });

  it('tells the pair apart from the same characters split differently', () => {
    const filter = new KeyFilter(1_024);
    filter.add('ab', 'c');
    expect(filter.mightHave('ab', 'c')).toBe(true);
    expect(filter.mightHave('a', 'bc')).toBe(false);
    expect(filter.mightHave('abc', '')).toBe(false);
  });

  it('an empty filter has nothing', () => {
    const filter = new KeyFilter();
    expect(filter.mightHave('shopper-1', 'k')).toBe(false);
    expect(filter.size).toBe(0);
  });
});
