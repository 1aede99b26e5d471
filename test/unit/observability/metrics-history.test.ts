import { describe, expect, it } from 'vitest';
import { MetricsHistory } from '../../../src/observability/metrics-history.ts';
import { createPrometheusMetrics } from '../../../src/observability/prometheus.ts';

const ROUTE = '/v1/sales/:id/purchase';

describe('MetricsHistory', () => {
  it('gives purchases per second by outcome between the last two samples, summed over registries', async () => {
    const a = createPrometheusMetrics(undefined);
    const b = createPrometheusMetrics(undefined);
    const window = new MetricsHistory({ purchaseRoute: ROUTE, keepMs: 300_000 });
    a.metrics.purchase('reserved');
    window.add(1_000, [await a.snapshot(), await b.snapshot()]);
    expect(window.figures().perSecond).toEqual({});
    for (let i = 0; i < 10; i++) a.metrics.purchase('reserved');
    for (let i = 0; i < 30; i++) b.metrics.purchase('sold_out');
    window.add(3_000, [await a.snapshot(), await b.snapshot()]);
    const figures = window.figures();
    expect(figures.perSecond).toEqual({ reserved: 5, sold_out: 15 });
    expect(figures.total).toEqual({ reserved: 11, sold_out: 30 });
  });

  it('takes latency quantiles from the buckets observed inside the window only, on the purchase route only', async () => {
    const registry = createPrometheusMetrics(undefined);
    const window = new MetricsHistory({ purchaseRoute: ROUTE, keepMs: 10_000 });
    // Before the window opens: slow answers that must not count.
    for (let i = 0; i < 100; i++) registry.observeHttp(ROUTE, 201, 0.9);
    window.add(0, [await registry.snapshot()]);
    expect(window.figures()).toMatchObject({ count: 0, p50Ms: null, p99Ms: null, windowSeconds: 0 });
    // 98 answers in the (0.001, 0.0025] bucket, 2 above the top bucket; other routes are ignored.
    for (let i = 0; i < 98; i++) registry.observeHttp(ROUTE, 409, 0.002);
    registry.observeHttp(ROUTE, 201, 3);
    registry.observeHttp(ROUTE, 201, 3);
    for (let i = 0; i < 50; i++) registry.observeHttp('/v1/sales/:id', 200, 0.5);
    window.add(5_000, [await registry.snapshot()]);
    const figures = window.figures();
    expect(figures.count).toBe(100);
    expect(figures.windowSeconds).toBe(5);
    // Rank 50 of the 98 in (1 ms, 2.5 ms]: 1 + 1.5 * 50/98 ms, as histogram_quantile interpolates.
    expect(figures.p50Ms).toBeCloseTo(1 + (1.5 * 50) / 98, 6);
    // Rank 99 lies in +Inf: reported as the top finite bound, which the page shows as "≥ 1000 ms".
    expect(figures.p99Ms).toBe(1000);
    expect(figures.ceilingMs).toBe(1000);
  });

  it('forgets samples older than it keeps, so old answers leave the quantiles', async () => {
    const registry = createPrometheusMetrics(undefined);
    const window = new MetricsHistory({ purchaseRoute: ROUTE, keepMs: 10_000 });
    window.add(0, [await registry.snapshot()]);
    for (let i = 0; i < 10; i++) registry.observeHttp(ROUTE, 201, 0.9);
    window.add(5_000, [await registry.snapshot()]);
    expect(window.figures().count).toBe(10);
    registry.observeHttp(ROUTE, 201, 0.0004);
    window.add(12_000, [await registry.snapshot()]);
    window.add(16_000, [await registry.snapshot()]);
    // The window now starts at 12 s: only the answer after it is left.
    expect(window.figures()).toMatchObject({ count: 0, windowSeconds: 4 });
    registry.observeHttp(ROUTE, 201, 0.0004);
    window.add(17_000, [await registry.snapshot()]);
    expect(window.figures().count).toBe(1);
    expect(window.figures().p50Ms).toBeLessThanOrEqual(0.5);
  });
});
