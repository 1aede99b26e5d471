import { describe, expect, it } from 'vitest';
import { composeAppDeps } from '../../../src/app/deps.ts';
import { OrderWorker } from '../../../src/app/order-worker.ts';
import { purchase } from '../../../src/app/purchase.ts';
import type { Backend } from '../../../src/ports/backend.ts';
import type { Logger, LogLevel } from '../../../src/ports/logger.ts';
import { noMetrics } from '../../../src/ports/metrics.ts';
import { openEmbeddedBackend } from '../../../src/shapes/embedded.ts';
import { openTestClusterBackend, sharedServicesAvailable } from '../../support/cluster-services.ts';
import { newSaleFixture } from '../../support/fixtures.ts';
import { ManualClock } from '../../support/manual-clock.ts';

const clusterAvailable = await sharedServicesAvailable();

const backends: ReadonlyArray<[string, boolean, () => Promise<Backend>]> = [
  ['embedded', true, async () => openEmbeddedBackend({ path: ':memory:', durability: 'normal' })],
  ['cluster', clusterAvailable, () => openTestClusterBackend()],
];

describe.each(backends)('the order worker on the %s backend', (_name, available, open) => {
  it.skipIf(!available)(
    'logs each failed and dead-lettered event with the order and the request id of the purchase that made it',
    async () => {
      const backend = await open();
      try {
        const clock = new ManualClock(newSaleFixture.startsAt + 10);
        const lines: { level: LogLevel; message: string; fields: Record<string, unknown> }[] = [];
        const logger: Logger = {
          log: (level, message, fields = {}) => lines.push({ level, message, fields }),
          enabled: () => true,
        };
        // The order store refuses every write: each delivery of the event fails.
        const orders = {
          ...backend.orders,
          apply: () => Promise.reject(new Error('orders table locked')),
        };
        const deps = composeAppDeps(
          { ledger: backend.ledger, orders, queue: backend.queue, orderProjection: undefined },
          {
            clock,
            metrics: noMetrics,
            purchaseLimiter: undefined,
            soldOutBoard: undefined,
            saleCache: false,
          },
        );
        await backend.ledger.openSale({ ...newSaleFixture, id: 'sale-logs', createdAt: 0 });
        const { reservation } = await purchase(deps, {
          saleId: 'sale-logs',
          userId: 'u-1',
          quantity: 1,
          idempotencyKey: 'k-1',
          requestId: 'req-7f3a',
        });
        const worker = new OrderWorker(
          deps,
          { maxAttempts: 2, backoffMs: 10, maxBackoffMs: 10 },
          () => {},
          logger,
        );
        expect(await worker.drain()).toBe(1);
        clock.advance(1_000);
        expect(await worker.drain()).toBe(1);
        const about = {
          orderId: reservation.orderId,
          reservationId: reservation.id,
          saleId: 'sale-logs',
          topic: 'reservation.created',
          requestId: 'req-7f3a',
        };
        expect(lines.map((l) => [l.level, l.message])).toEqual([
          ['warn', 'order event failed'],
          ['error', 'order event dead-lettered'],
        ]);
        expect(lines[0]!.fields).toMatchObject({ ...about, attempts: 1, retryInMs: 10 });
        expect(lines[1]!.fields).toMatchObject({ ...about, attempts: 2 });
        expect((lines[1]!.fields.error as Error).message).toBe('orders table locked');
        // The reservation itself is unchanged by carrying the id: read back, it has no such field.
        expect(await backend.ledger.getReservation(reservation.id)).toEqual(reservation);
        expect((await backend.queue.depth()).dead).toBe(1);
      } finally {
        await backend.close();
      }
    },
  );
});
