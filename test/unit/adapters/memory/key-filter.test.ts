import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { KeyFilter, KeyFilterReader } from '../../../../src/adapters/memory/key-filter.ts';

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

describe('KeyFilterReader (the filter read from another thread)', () => {
  const sourceOf = (filter: KeyFilter) => ({ layersFrom: async (from: number) => filter.layersFrom(from) });

  it('is certain only of pairs in none of the layers, and sees pairs added after it loaded', async () => {
    const filter = new KeyFilter(1_000);
    for (let i = 0; i < 500; i++) filter.add(shopper(i), key(i));
    const reader = new KeyFilterReader(sourceOf(filter));
    // Before its first load it knows nothing: every pair goes to the store.
    expect(reader.certainlyAbsent(shopper(1), 'fresh')).toBe(false);
    await reader.load();
    for (let i = 0; i < 500; i++) expect(reader.certainlyAbsent(shopper(i), key(i))).toBe(false);
    // Added after the reader loaded, in the same layer: the shared bits show them at once.
    filter.add('late', 'key');
    expect(reader.certainlyAbsent('late', 'key')).toBe(false);
    let certain = 0;
    for (let i = 0; i < 1_000; i++) if (reader.certainlyAbsent(shopper(i), `unused-${i}`)) certain++;
    expect(certain).toBeGreaterThan(980);
  });

  it('says "maybe" while a layer the writer grew has not arrived, then answers from it', async () => {
    const filter = new KeyFilter(64);
    const reader = new KeyFilterReader(sourceOf(filter));
    await reader.load();
    // The first layer fills; these land in a second one the reader has not fetched.
    for (let i = 0; i < 200; i++) filter.add(shopper(i), key(i));
    expect(reader.certainlyAbsent(shopper(150), key(150))).toBe(false);
    expect(reader.certainlyAbsent('nobody', 'nothing')).toBe(false);
    await reader.load();
    for (let i = 0; i < 200; i++) expect(reader.certainlyAbsent(shopper(i), key(i))).toBe(false);
    expect(reader.certainlyAbsent('nobody', 'nothing')).toBe(true);
  });

  it('answers on a worker thread from the bits this thread sets, over a message port', async () => {
    const filter = new KeyFilter(1_000);
    for (let i = 0; i < 300; i++) filter.add(shopper(i), key(i));
    const worker = new Worker(new URL('../../../support/key-filter-probe.ts', import.meta.url));
    worker.on('message', (message: { layersFrom?: number }) => {
      if (message.layersFrom !== undefined)
        worker.postMessage({ layers: filter.layersFrom(message.layersFrom) });
    });
    const probe = (pairs: Array<[string, string]>) =>
      new Promise<boolean[]>((resolve) => {
        const onAnswer = (message: { absent?: boolean[] }) => {
          if (message.absent === undefined) return;
          worker.off('message', onAnswer);
          resolve(message.absent);
        };
        worker.on('message', onAnswer);
        worker.postMessage({ probe: pairs });
      });
    try {
      const used = Array.from({ length: 300 }, (_, i): [string, string] => [shopper(i), key(i)]);
      expect((await probe(used)).filter(Boolean)).toEqual([]);
      expect(await probe([['after', 'start']])).toEqual([true]);
      // Set here after the worker loaded: it sees the bit, no message needed.
      filter.add('after', 'start');
      expect(await probe([['after', 'start']])).toEqual([false]);
    } finally {
      await worker.terminate();
    }
  });
});
