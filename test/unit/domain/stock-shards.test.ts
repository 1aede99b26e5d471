import { describe, expect, it } from 'vitest';
import { MAX_STOCK_SHARDS, shardProbeOrder, splitStock } from '../../../src/domain/stock-shards.ts';

describe('splitStock', () => {
  it('keeps every unit and differs by at most one between shards', () => {
    for (const [stock, shards] of [
      [0, 1],
      [10, 4],
      [10_000, 8],
      [3, 8],
      [1, MAX_STOCK_SHARDS],
    ] as const) {
      const split = splitStock(stock, shards);
      expect(split).toHaveLength(shards);
      expect(split.reduce((a, b) => a + b, 0)).toBe(stock);
      expect(Math.max(...split) - Math.min(...split)).toBeLessThanOrEqual(1);
    }
    expect(splitStock(10, 4)).toEqual([3, 3, 2, 2]);
  });

  it('refuses shard counts and stocks it cannot split', () => {
    expect(() => splitStock(10, 0)).toThrow(RangeError);
    expect(() => splitStock(10, MAX_STOCK_SHARDS + 1)).toThrow(RangeError);
    expect(() => splitStock(-1, 2)).toThrow(RangeError);
    expect(() => splitStock(1.5, 2)).toThrow(RangeError);
  });
});

describe('shardProbeOrder', () => {
  it('visits every shard exactly once, starting where the random draw points', () => {
    expect(shardProbeOrder(4, () => 0)).toEqual([0, 1, 2, 3]);
    expect(shardProbeOrder(4, () => 0.6)).toEqual([2, 3, 0, 1]);
    expect(shardProbeOrder(4, () => 0.9999999)).toEqual([3, 0, 1, 2]);
    expect(shardProbeOrder(1)).toEqual([0]);
  });

  it('spreads first choices over all shards', () => {
    const firsts = new Set<number>();
    for (let i = 0; i < 200; i++) firsts.add(shardProbeOrder(8)[0] ?? -1);
    expect(firsts.size).toBe(8);
  });
});
