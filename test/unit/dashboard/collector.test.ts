import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSale } from '../../../src/app/sales.ts';
import { DashboardCollector } from '../../../src/dashboard/collector.ts';
import { createPrometheusMetrics } from '../../../src/observability/prometheus.ts';
import type { Backend } from '../../../src/ports/backend.ts';
import { noMetrics } from '../../../src/ports/metrics.ts';
import type { StockLedger } from '../../../src/ports/stock-ledger.ts';
import { openEmbeddedBackend } from '../../../src/shapes/embedded.ts';
import { ManualClock } from '../../support/manual-clock.ts';

describe('DashboardCollector', () => {
  let backend: Backend;
  let clock: ManualClock;

  beforeEach(() => {
    backend = openEmbeddedBackend({ path: ':memory:', durability: 'normal' });
    clock = new ManualClock(Date.parse('2026-11-28T10:00:00Z'));
  });

  afterEach(() => backend.close());

  const deps = () => ({
    ...backend,
    clock,
    metrics: noMetrics,
    purchaseLimiter: undefined,
  });

  const open = (name: string, startsIn: number, lasts: number) =>
    createSale(deps(), {
      sku: name,
      name,
      stock: 10,
      startsAt: clock.now() + startsIn,
      endsAt: clock.now() + startsIn + lasts,
      perUserLimit: 1,
      priceCents: 100,
      currency: 'EUR',
      purchaseToken: false,
      paymentWindowSeconds: 60,
    });

  it('lists sales not ended first, newest first, leaves out those ended over an hour ago, and says how many', async () => {
    await open('old', 0, 1_000);
    clock.advance(1_000);
    await open('recent', 0, 5_400_000);
    clock.advance(2 * 3_600_000 - 1_000);
    // Now 'old' ended 2 h ago (not shown), 'recent' 30 min ago (shown, after the others).
    await open('live', 0, 3_600_000);
    clock.advance(1);
    await open('upcoming', 60_000, 3_600_000);
    const collector = new DashboardCollector({ deps: deps(), backend: 'embedded', metrics: async () => [] });
    const snapshot = await collector.latest();
    expect(snapshot.sales.map((s) => [s.name, s.status])).toEqual([
      ['upcoming', 'upcoming'],
      ['live', 'live'],
      ['recent', 'ended'],
    ]);
    expect(snapshot.salesNotShown).toBe(1);
    expect(snapshot.sales[0]).toMatchObject({ stock: 10, available: 10, startsAt: clock.now() + 60_000 });
    expect(snapshot.at).toBe(clock.now());
    expect(snapshot.alarms).toEqual([]);
  });

  it('shares one collection between callers within a second, and collects again after', async () => {
    let reads = 0;
    const collector = new DashboardCollector({
      deps: deps(),
      backend: 'embedded',
      metrics: async () => {
        reads++;
        return [];
      },
    });
    const [a, b] = await Promise.all([collector.latest(), collector.latest()]);
    expect(a).toBe(b);
    clock.advance(500);
    expect(await collector.latest()).toBe(a);
    clock.advance(500);
    expect(await collector.latest()).not.toBe(a);
    expect(reads).toBe(2);
  });

  it('keeps the purchase figures and names the fault when the store does not answer', async () => {
    const failing: StockLedger = {
      ...backend.ledger,
      listSales: () => Promise.reject(new Error('SQLITE_BUSY: database is locked')),
    };
    const registry = createPrometheusMetrics(undefined);
    registry.metrics.purchase('sold_out');
    const collector = new DashboardCollector({
      deps: { ...deps(), ledger: failing },
      backend: 'embedded',
      metrics: async () => [await registry.snapshot()],
    });
    const snapshot = await collector.latest();
    expect(snapshot.storeError).toBe('SQLITE_BUSY: database is locked');
    expect(snapshot.sales).toEqual([]);
    expect(snapshot.queue).toBeNull();
    expect(snapshot.purchases.total).toEqual({ sold_out: 1 });
  });
});
