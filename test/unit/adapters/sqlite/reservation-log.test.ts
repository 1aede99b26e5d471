import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Reservation } from '../../../../src/domain/reservation.ts';
import type { Backend } from '../../../../src/ports/backend.ts';
import { openEmbeddedBackend } from '../../../../src/shapes/embedded.ts';
import { saleFixture } from '../../../support/fixtures.ts';

describe('embedded store: reservation rows as the created events', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flashsale-log-'));
  const path = join(dir, 'store.db');
  const open = (): Backend => openEmbeddedBackend({ path, durability: 'normal' });
  const opened: Backend[] = [];
  afterEach(async () => {
    for (const backend of opened.splice(0)) await backend.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function reserveFor(backend: Backend, users: readonly string[]): Promise<Reservation[]> {
    const results = await Promise.all(
      users.map((userId) =>
        backend.ledger.reserve({
          saleId: saleFixture.id,
          userId,
          quantity: 1,
          idempotencyKey: 'k',
          now: 1_500,
        }),
      ),
    );
    return results.map((result) => {
      if (result.kind !== 'reserved') throw new Error(`expected a reservation, got ${result.kind}`);
      return result.reservation;
    });
  }

  it('delivers each new reservation once acked out of order, and the cursor survives a reopen', async () => {
    const first = open();
    opened.push(first);
    await first.ledger.openSale(saleFixture);
    const [a, b, c] = await reserveFor(first, ['ann', 'bob', 'cy']);
    const events = await first.queue.receive(10, 1_500);
    expect(events.map((e) => [e.topic, (JSON.parse(e.body) as Reservation).id])).toEqual([
      ['reservation.created', a!.id],
      ['reservation.created', b!.id],
      ['reservation.created', c!.id],
    ]);
    await first.queue.ack(events[1]!.id);
    expect(await first.queue.depth()).toEqual({ pending: 2, dead: 0, oldestPendingAt: 1_500 });
    // Not acked yet: delivered again; the acked one is not.
    expect((await first.queue.receive(10, 1_500)).map((e) => e.id)).toEqual([events[0]!.id, events[2]!.id]);
    await first.queue.ack(events[0]!.id);
    await first.close();
    opened.pop();

    const second = open();
    opened.push(second);
    const again = await second.queue.receive(10, 1_500);
    expect(again.map((e) => (JSON.parse(e.body) as Reservation).id)).toEqual([c!.id]);
    expect(await second.queue.depth()).toEqual({ pending: 1, dead: 0, oldestPendingAt: 1_500 });
  });

  it('confirms pending orders in bulk, leaving records that moved on as they are', async () => {
    const backend = open();
    opened.push(backend);
    await backend.ledger.openSale(saleFixture);
    const reservations = await reserveFor(backend, ['ann', 'bob', 'cy', 'dee', 'eve']);
    // bob's order was paid through the queue before the projection reached it.
    await backend.orders.apply(reservations[1]!, 'paid', 1_600);
    const projection = backend.orderProjection!;
    expect(await projection.confirmPending(3, 1_700)).toBe(3);
    expect(await backend.queue.depth()).toEqual({ pending: 2, dead: 0, oldestPendingAt: 1_500 });
    expect(await projection.confirmPending(3, 1_700)).toBe(2);
    expect(await projection.confirmPending(3, 1_700)).toBe(0);
    const statuses = await Promise.all(reservations.map((r) => backend.orders.get(r.orderId)));
    expect(statuses.map((order) => order?.status)).toEqual([
      'confirmed',
      'paid',
      'confirmed',
      'confirmed',
      'confirmed',
    ]);
    expect(await backend.orders.countForSale(saleFixture.id)).toBe(5);
    expect(await backend.queue.receive(10, 1_700)).toEqual([]);
  });

  it('hands the caller who asks the orders it confirmed, and only those', async () => {
    const backend = open();
    opened.push(backend);
    await backend.ledger.openSale(saleFixture);
    const reservations = await reserveFor(backend, ['ann', 'bob', 'cy']);
    await backend.orders.apply(reservations[1]!, 'paid', 1_600);
    const told: Array<{ orderId: string; userId: string; status: string; at: number }> = [];
    expect(await backend.orderProjection!.confirmPending(10, 1_700, (orders) => told.push(...orders))).toBe(
      3,
    );
    expect(told.map((o) => [o.orderId, o.userId, o.status, o.at])).toEqual([
      [reservations[0]!.orderId, 'ann', 'confirmed', 1_700],
      [reservations[2]!.orderId, 'cy', 'confirmed', 1_700],
    ]);
    expect(told[0]).toMatchObject({ saleId: saleFixture.id, quantity: reservations[0]!.quantity });
  });

  it('reads nothing back when, at the write, no one listens; the orders are recorded all the same', async () => {
    const backend = open();
    opened.push(backend);
    await backend.ledger.openSale(saleFixture);
    const reservations = await reserveFor(backend, ['ann', 'bob']);
    let listening = false;
    const told: string[] = [];
    const asked: boolean[] = [];
    const wanted = () => {
      asked.push(listening);
      return listening;
    };
    // The listener arrives after the call but before its write runs: the write sees it.
    const confirming = backend.orderProjection!.confirmPending(
      1,
      1_700,
      (o) => told.push(...o.map((x) => x.orderId)),
      wanted,
    );
    listening = true;
    expect(await confirming).toBe(1);
    expect(told).toEqual([reservations[0]!.orderId]);
    listening = false;
    expect(
      await backend.orderProjection!.confirmPending(
        1,
        1_800,
        (o) => told.push(...o.map((x) => x.orderId)),
        wanted,
      ),
    ).toBe(1);
    expect(told).toEqual([reservations[0]!.orderId]);
    expect(asked).toEqual([true, false]);
    expect((await backend.orders.get(reservations[1]!.orderId))?.status).toBe('confirmed');
  });

  it('moves a created event that failed into the outbox, where retries and dead letters keep it', async () => {
    const backend = open();
    opened.push(backend);
    await backend.ledger.openSale(saleFixture);
    const [a] = await reserveFor(backend, ['ann']);
    const [event] = await backend.queue.receive(10, 1_500);
    await backend.queue.retryLater(event!.id, 'boom', 2_000);
    expect(await backend.queue.receive(10, 1_500)).toEqual([]);
    const [retried] = await backend.queue.receive(10, 2_000);
    expect(retried).toMatchObject({ topic: 'reservation.created', attempts: 1 });
    expect((JSON.parse(retried!.body) as Reservation).id).toBe(a!.id);
    await backend.queue.deadLetter(retried!.id, 'boom again', 2_000);
    expect(await backend.queue.depth()).toEqual({ pending: 0, dead: 1 });
    expect(await backend.queue.listDeadLetters(10)).toMatchObject([
      { topic: 'reservation.created', attempts: 2 },
    ]);
  });

  it('leaves created events to a working projection when asked, and still delivers the outbox', async () => {
    const backend = open();
    opened.push(backend);
    await backend.ledger.openSale(saleFixture);
    await reserveFor(backend, ['ann', 'bob']);
    await backend.queue.publish('reservation.paid', '{}', 1_500);
    const left = await backend.queue.receive(10, 1_500, { leaveToProjection: true });
    expect(left.map((e) => e.topic)).toEqual(['reservation.paid']);
    const all = await backend.queue.receive(10, 1_500);
    expect(all.map((e) => e.topic)).toEqual([
      'reservation.paid',
      'reservation.created',
      'reservation.created',
    ]);
  });
});
