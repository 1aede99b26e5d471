import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DashboardFeed, type SnapshotSource } from '../../../src/dashboard/feed.ts';
import type { DashboardSnapshot } from '../../../src/dashboard/snapshot.ts';

/** A source that numbers its snapshots by `at`, so a test can tell them apart. */
function countingSource(): SnapshotSource & { calls: number } {
  return {
    calls: 0,
    latest() {
      this.calls++;
      return Promise.resolve({ at: this.calls } as unknown as DashboardSnapshot);
    },
  };
}

describe('DashboardFeed', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends a snapshot at once and one a second, and reads nothing once nobody watches', async () => {
    const source = countingSource();
    const feed = new DashboardFeed(source);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(source.calls).toBe(0);
    const seen: number[] = [];
    const stop = feed.subscribe({ send: (s) => seen.push(s.at), end: () => {} });
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toEqual([1]);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(seen).toEqual([1, 2, 3, 4]);
    stop();
    expect(feed.watchers).toBe(0);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(source.calls).toBe(4);
  });

  it('ends every stream on close and ends new ones at once', async () => {
    const feed = new DashboardFeed(countingSource());
    const ended: string[] = [];
    feed.subscribe({ send: () => {}, end: () => ended.push('a') });
    feed.subscribe({ send: () => {}, end: () => ended.push('b') });
    feed.close();
    expect(ended).toEqual(['a', 'b']);
    feed.subscribe({ send: () => {}, end: () => ended.push('late') });
    expect(ended).toEqual(['a', 'b', 'late']);
    expect(feed.watchers).toBe(0);
  });

  it('reports a failed collection and keeps ticking', async () => {
    const errors: unknown[] = [];
    let fail = true;
    const feed = new DashboardFeed(
      {
        latest: () =>
          fail ? Promise.reject(new Error('store down')) : Promise.resolve({ at: 7 } as DashboardSnapshot),
      },
      { onError: (error) => errors.push(error) },
    );
    const seen: number[] = [];
    feed.subscribe({ send: (s) => seen.push(s.at), end: () => {} });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(errors).toHaveLength(2);
    fail = false;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(seen).toEqual([7]);
    feed.close();
  });
});
