import { describe, expect, it } from 'vitest';
import { createEmfMetrics } from '../../../src/observability/emf.ts';

describe('the EMF writer', () => {
  function capture() {
    const lines: string[] = [];
    const emf = createEmfMetrics({
      namespace: 'FlashSale',
      dimensions: { Service: 'api' },
      write: (text) => lines.push(...text.trim().split('\n')),
      now: () => 1_700_000_000_000,
    });
    return { emf, docs: () => lines.map((line) => JSON.parse(line)) };
  }

  it('sums counters per dimension set and writes one document each at flush', () => {
    const { emf, docs } = capture();
    emf.metrics.purchase('reserved');
    emf.metrics.purchase('reserved');
    emf.metrics.purchase('sold_out');
    emf.metrics.reservationsExpired(7);
    emf.flush();
    expect(docs()).toEqual([
      {
        _aws: {
          Timestamp: 1_700_000_000_000,
          CloudWatchMetrics: [
            {
              Namespace: 'FlashSale',
              Dimensions: [['Service', 'Outcome']],
              Metrics: [{ Name: 'Purchases', Unit: 'Count' }],
            },
          ],
        },
        Service: 'api',
        Outcome: 'reserved',
        Purchases: 2,
      },
      expect.objectContaining({ Outcome: 'sold_out', Purchases: 1 }),
      expect.objectContaining({ Service: 'api', ReservationsExpired: 7 }),
    ]);
  });

  it('keeps latency samples as a value array, and writes nothing when nothing happened', () => {
    const { emf, docs } = capture();
    emf.flush();
    expect(docs()).toEqual([]);
    emf.observeHttp('/v1/sales/:id', 200, 0.0021);
    emf.observeHttp('/v1/sales/:id', 201, 0.0042);
    emf.flush();
    const [doc] = docs();
    expect(doc).toMatchObject({
      Route: '/v1/sales/:id',
      StatusClass: '2xx',
      Requests: 2,
      Latency: [2.1, 4.2],
    });
    emf.flush();
    expect(docs()).toHaveLength(1);
  });
});
