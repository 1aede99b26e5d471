import { afterEach, describe, expect, it } from 'vitest';
import type { AppDeps } from '../../../src/app/deps.ts';
import { OrderWorker } from '../../../src/app/order-worker.ts';
import type { Backend } from '../../../src/ports/backend.ts';
import type { EventQueue, ReceiveOptions } from '../../../src/ports/event-queue.ts';
import { openEmbeddedBackend } from '../../../src/shapes/embedded.ts';
import { saleFixture } from '../../support/fixtures.ts';
import { ManualClock } from '../../support/manual-clock.ts';

/** The queue as the worker uses it, recording what each receive asked for and got. */
function recordingQueue(inner: EventQueue) {
  const receives: Array<{ options: ReceiveOptions | undefined; topics: string[] }> = [];
  const queue: EventQueue = {
    publish: (...args) => inner.publish(...args),
    async receive(max, now, options) {
      const events = await inner.receive(max, now, options);
      receives.push({ options, topics: events.map((e) => e.topic) });
      return events;
    },
    ack: (id) => inner.ack(id),
    retryLater: (...args) => inner.retryLater(...args),
    deadLetter: (...args) => inner.deadLetter(...args),
    listDeadLetters: (limit) => inner.listDeadLetters(limit),
    redrive: (id, now) => inner.redrive(id, now),
    depth: () => inner.depth(),
    oldestPendingAt: () => inner.oldestPendingAt(),
  };
  return { queue, receives };
}

describe('OrderWorker with a store that confirms orders in bulk', () => {
  let backend: Backend;
  afterEach(async () => {
    await backend.close();
  });

  async function setUp(projectionFails: boolean) {
    backend = openEmbeddedBackend({ path: ':memory:', durability: 'normal' });
    await backend.ledger.openSale(saleFixture);
    const clock = new ManualClock(saleFixture.startsAt + 1);
    for (const userId of ['ann', 'bob', 'cy']) {
      const result = await backend.ledger.reserve({
        saleId: saleFixture.id,
        userId,
        quantity: 1,
        idempotencyKey: 'k',
        now: clock.now(),
      });
      expect(result.kind).toBe('reserved');
    }
    const recorded = recordingQueue(backend.queue);
    const processed: string[] = [];
    const deps = {
      ...backend,
      queue: recorded.queue,
      orderProjection: projectionFails
        ? { confirmPending: () => Promise.reject(new Error('projection down')) }
        : backend.orderProjection,
      clock,
      metrics: { orderEvent: (outcome: string) => processed.push(outcome) },
    } as unknown as AppDeps;
    return { worker: new OrderWorker(deps), receives: recorded.receives, processed };
  }

  it('confirms new reservations through the projection, not one by one through the queue', async () => {
    const { worker, receives, processed } = await setUp(false);
    expect(await worker.drain()).toBe(3);
    expect(receives).toEqual([{ options: { leaveToProjection: true }, topics: [] }]);
    expect(processed).toEqual(['processed', 'processed', 'processed']);
    expect(await backend.queue.depth()).toEqual({ pending: 0, dead: 0 });
  });

  it('takes the created events from the queue when the projection fails', async () => {
    const { worker, receives } = await setUp(true);
    expect(await worker.drain()).toBe(3);
    expect(receives[0]).toEqual({
      options: { leaveToProjection: false },
      topics: ['reservation.created', 'reservation.created', 'reservation.created'],
    });
    expect(await backend.queue.depth()).toEqual({ pending: 0, dead: 0 });
  });
});
