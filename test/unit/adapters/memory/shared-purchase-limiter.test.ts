import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { SharedPurchaseLimiter } from '../../../../src/adapters/memory/shared-purchase-limiter.ts';
import { SharedWindows } from '../../../../src/adapters/memory/shared-windows.ts';
import type { PurchaseLimits } from '../../../../src/ports/purchase-limiter.ts';
import { ManualClock } from '../../../support/manual-clock.ts';
import { purchaseLimiterRules } from '../../../support/purchase-limiter-rules.ts';

const alice = { userId: 'alice', clientAddress: '198.51.100.1' };

function limiterFor(limits: PurchaseLimits, slots?: number) {
  const clock = new ManualClock(Date.parse('2026-11-28T10:00:00Z'));
  const windows = new SharedWindows(SharedWindows.allocate(slots));
  return { clock, windows, limiter: new SharedPurchaseLimiter(limits, windows, () => clock.now()) };
}

describe('the purchase limiter in shared memory', () => {
  purchaseLimiterRules((limits) => limiterFor(limits).limiter);

  it('names the wait until the window ends', async () => {
    const { limiter, clock } = limiterFor({ perUser: { perSecond: 0.1, burst: 1 }, perClient: undefined });
    expect(await limiter.admit(alice)).toEqual({ admitted: true });
    expect(await limiter.admit(alice)).toEqual({ admitted: false, limit: 'user', retryAfterSeconds: 10 });
    clock.advance(9_500);
    expect(await limiter.admit(alice)).toEqual({ admitted: false, limit: 'user', retryAfterSeconds: 1 });
    clock.advance(500);
    expect(await limiter.admit(alice)).toEqual({ admitted: true });
  });

  it('lets a burst through on top of the rate, then refuses until a window ends', async () => {
    const { limiter, clock } = limiterFor({ perUser: { perSecond: 2, burst: 5 }, perClient: undefined });
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push((await limiter.admit(alice)).admitted);
    expect(answers).toEqual([true, true, true, true, true, false]);
    // Refused: the steady window (1 s) ends first, and that is the wait it names.
    clock.advance(400);
    expect(await limiter.admit(alice)).toEqual({ admitted: false, limit: 'user', retryAfterSeconds: 1 });
    // A new steady window: its 2 points again; the burst window (3 s) is still used up.
    clock.advance(600);
    const after = [];
    for (let i = 0; i < 3; i++) after.push((await limiter.admit(alice)).admitted);
    expect(after).toEqual([true, true, false]);
    // Both windows over: the whole burst again.
    clock.advance(3_000);
    const fresh = [];
    for (let i = 0; i < 6; i++) fresh.push((await limiter.admit(alice)).admitted);
    expect(fresh).toEqual([true, true, true, true, true, false]);
  });

  it('lets a key through uncounted when every slot it may take holds an open window, and counts it once one ends', async () => {
    const slots = 32;
    const { limiter, clock, windows } = limiterFor(
      { perUser: { perSecond: 1, burst: 1 }, perClient: undefined },
      slots,
    );
    for (let i = 0; i < slots; i++)
      expect(windows.count('other', `key-${i}`, 5_000, clock.now())).toBeDefined();
    expect(windows.count('user', 'alice', 1_000, clock.now())).toBeUndefined();
    for (let i = 0; i < 3; i++) expect((await limiter.admit(alice)).admitted).toBe(true);
    // The others' windows end: their slots are taken again, and the limit holds.
    clock.advance(5_000);
    expect((await limiter.admit(alice)).admitted).toBe(true);
    expect((await limiter.admit(alice)).admitted).toBe(false);
  });

  it('refuses sizes that are no power of two, or too small to probe', () => {
    expect(() => SharedWindows.allocate(1_000)).toThrow(RangeError);
    expect(() => SharedWindows.allocate(16)).toThrow(RangeError);
  });

  it('admits exactly the rate and the burst among threads counting the same shopper at once', async () => {
    const limits = { perUser: { perSecond: 1_000, burst: 1_500 }, perClient: undefined };
    const buffers = SharedWindows.allocate();
    const go = new SharedArrayBuffer(4);
    const now = Date.parse('2026-11-28T10:00:00Z');
    const workers = Array.from(
      { length: 3 },
      () =>
        new Worker(new URL('../../../support/limiter-probe.ts', import.meta.url), {
          workerData: { buffers, limits, attempts: 2_000, now, go },
        }),
    );
    await Promise.all(workers.map((worker) => once(worker, 'message')));
    const results = workers.map(
      async (worker) => ((await once(worker, 'message'))[0] as { admitted: number }).admitted,
    );
    Atomics.store(new Int32Array(go), 0, 1);
    Atomics.notify(new Int32Array(go), 0);
    const admitted = await Promise.all(results);
    await Promise.all(workers.map((worker) => worker.terminate()));
    // 1,000 from the steady window and 500 from the burst window, of 6,000 attempts at the same instant.
    expect(admitted.reduce((sum, n) => sum + n, 0)).toBe(1_500);
  });
});
