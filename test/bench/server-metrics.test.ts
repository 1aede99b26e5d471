import { describe, expect, it } from 'vitest';
import {
  answersBetween,
  latencyQuantileBetween,
  parseServerMetrics,
  purchasesBetween,
} from '../../bench/stampede/server-metrics.ts';

const BOUNDS = ['0.0005', '0.001', '0.0025', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '1', '+Inf'];

/** One route's histogram for one status, as prom-client prints it. */
function histogram(route: string, status: number, cumulative: readonly number[]): string {
  return BOUNDS.map(
    (le, i) =>
      `flashsale_http_request_duration_seconds_bucket{le="${le}",route="${route}",status="${status}"} ${cumulative[i]}`,
  ).join('\n');
}

function exposition(options: {
  reserved: number;
  soldOut: number;
  pending: number;
  created: readonly number[];
  refused: readonly number[];
}): string {
  return [
    '# HELP flashsale_purchases_total Purchase attempts by outcome',
    '# TYPE flashsale_purchases_total counter',
    `flashsale_purchases_total{outcome="reserved"} ${options.reserved}`,
    `flashsale_purchases_total{outcome="sold_out"} ${options.soldOut}`,
    '# TYPE flashsale_http_request_duration_seconds histogram',
    histogram('/v1/sales/:id/purchase', 201, options.created),
    // Refusals carry the route too.
    histogram('/v1/sales/:id/purchase', 409, options.refused),
    // Requests no route matched are not purchase answers.
    histogram('unmatched', 404, options.refused),
    histogram(
      '/v1/sales/:id',
      200,
      BOUNDS.map(() => options.reserved),
    ),
    'flashsale_http_request_duration_seconds_bucket{le="+Inf",route="/metrics",status="200"} 7',
    'flashsale_http_request_duration_seconds_count{route="/v1/sales/:id/purchase",status="201"} 0',
    `flashsale_queue_depth{queue="pending"} ${options.pending}`,
    'flashsale_queue_depth{queue="dead_letter"} 0',
    '',
  ].join('\n');
}

const zero = BOUNDS.map(() => 0);

describe('server metrics', () => {
  const before = parseServerMetrics(
    exposition({ reserved: 100, soldOut: 0, pending: 40, created: zero.map(() => 100), refused: zero }),
  );
  // In between: 100 more 201s all between 5 and 10 ms, 900 refusals all under 0.5 ms.
  const after = parseServerMetrics(
    exposition({
      reserved: 200,
      soldOut: 900,
      pending: 3,
      created: [100, 100, 100, 100, 200, 200, 200, 200, 200, 200, 200],
      refused: zero.map(() => 900),
    }),
  );

  it("reads the outcomes, the backlog and the purchase answers' histogram, refusals included", () => {
    expect(after.purchases).toEqual({ reserved: 200, sold_out: 900 });
    expect(after.ordersPending).toBe(3);
    expect(after.purchaseLatency.bounds[0]).toBe(0.0005);
    expect(after.purchaseLatency.bounds.at(-1)).toBe(Infinity);
    expect(after.purchaseLatency.counts.at(-1)).toBe(1100);
  });

  it('counts what happened between two readings', () => {
    expect(purchasesBetween(before, after)).toEqual({ reserved: 100, sold_out: 900 });
    expect(answersBetween(before, after)).toBe(1000);
  });

  it('estimates quantiles inside their bucket from the difference of two readings', () => {
    // 900 of the 1,000 answers are under 0.5 ms: the median is at 0.5 ms × 500/900.
    expect(latencyQuantileBetween(before, after, 0.5)).toBeCloseTo((0.5 * 500) / 900);
    // The 99th percentile is 90 % of the way through the 5–10 ms bucket.
    expect(latencyQuantileBetween(before, after, 0.99)).toBeCloseTo(9.5);
  });

  it('reads an empty interval as no latency', () => {
    expect(latencyQuantileBetween(after, after, 0.99)).toBe(0);
  });
});
