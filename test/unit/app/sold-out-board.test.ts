import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BroadcastSoldOutSignal } from '../../../src/adapters/memory/broadcast-sold-out-signal.ts';
import { SoldOutBoard } from '../../../src/app/sold-out-board.ts';
import type { Sale } from '../../../src/domain/sale.ts';
import { openEmbeddedBackend } from '../../../src/shapes/embedded.ts';
import { saleFixture } from '../../support/fixtures.ts';
import { ManualClock } from '../../support/manual-clock.ts';

describe('SoldOutBoard', () => {
  const closers: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function openSale(clock: ManualClock, stock: number) {
    const backend = openEmbeddedBackend({ path: ':memory:', durability: 'normal' });
    closers.push(() => backend.close());
    const sale: Sale = {
      ...saleFixture,
      id: randomUUID(),
      stock,
      perUserLimit: 1,
      startsAt: clock.now(),
      endsAt: clock.now() + 60_000,
    };
    await backend.ledger.openSale(sale);
    return { backend, sale };
  }

  async function soldOutSale(clock: ManualClock) {
    const opened = await openSale(clock, 1);
    const { sale, backend } = opened;
    const request = { saleId: sale.id, userId: 'winner', quantity: 1, idempotencyKey: 'k', now: clock.now() };
    expect((await backend.ledger.reserve(request)).kind).toBe('reserved');
    return opened;
  }

  const attempt = (saleId: string, userId: string, quantity = 1) => ({ saleId, userId, quantity });

  it('answers as the store answers a new key for the trust period: sold out, or over the limit', async () => {
    const clock = new ManualClock();
    const { backend, sale } = await soldOutSale(clock);
    const board = new SoldOutBoard({
      ledger: backend.ledger,
      signal: backend.soldOut,
      now: () => clock.now(),
      trustMs: 500,
    });
    closers.push(() => board.close());
    expect(board.refusal(attempt(sale.id, 'someone'), clock.now())).toBeUndefined();
    board.soldOut(sale.id);
    await vi.waitFor(() =>
      expect(board.refusal(attempt(sale.id, 'someone'), clock.now())).toEqual({ kind: 'sold_out' }),
    );
    expect(board.refusal(attempt(sale.id, 'someone', 2), clock.now())).toEqual({
      kind: 'limit_exceeded',
      limit: 1,
      alreadyHeld: 0,
    });
    // The answer to a new key: whether the key is new is the store's to say (purchase.ts asks it, and
    // the conformance suite checks that a retry of a held key gets its reservation back).
    expect(board.refusal(attempt(sale.id, 'winner'), clock.now())).toEqual({
      kind: 'limit_exceeded',
      limit: 1,
      alreadyHeld: 1,
    });
    clock.advance(500);
    expect(board.refusal(attempt(sale.id, 'someone'), clock.now())).toBeUndefined();
  });

  it('renews the flag in the background before it lapses, re-reading the stock but not the holdings', async () => {
    const clock = new ManualClock();
    const { backend, sale } = await soldOutSale(clock);
    const board = new SoldOutBoard({
      ledger: backend.ledger,
      signal: backend.soldOut,
      now: () => clock.now(),
      trustMs: 1000,
    });
    closers.push(() => board.close());
    const holdingsRead = vi.spyOn(backend.ledger, 'listHoldings');
    const stockRead = vi.spyOn(backend.ledger, 'getSale');
    board.soldOut(sale.id);
    await vi.waitFor(() =>
      expect(board.refusal(attempt(sale.id, 'a'), clock.now())).toEqual({ kind: 'sold_out' }),
    );
    for (let second = 0; second < 5; second++) {
      clock.advance(800); // inside the last quarter of the trust: a renewal starts, the answer stays
      expect(board.refusal(attempt(sale.id, 'a'), clock.now())).toEqual({ kind: 'sold_out' });
      await vi.waitFor(() => expect(stockRead).toHaveBeenCalledTimes(second + 2));
      await new Promise((resolve) => setTimeout(resolve, 5)); // the renewal lands
    }
    expect(holdingsRead).toHaveBeenCalledTimes(1);
    // Units that came back unannounced are seen at the next renewal: the flag goes.
    const reservation = await backend.ledger.findExpired(clock.now() + 3_600_000, 1);
    await backend.ledger.release(reservation[0]!.id, 'cancelled', clock.now());
    clock.advance(800);
    board.refusal(attempt(sale.id, 'a'), clock.now());
    await vi.waitFor(() => expect(board.refusal(attempt(sale.id, 'a'), clock.now())).toBeUndefined());
  });

  it('does not raise the flag when the store still has units', async () => {
    const clock = new ManualClock();
    const { backend, sale } = await openSale(clock, 5);
    const board = new SoldOutBoard({
      ledger: backend.ledger,
      signal: backend.soldOut,
      now: () => clock.now(),
    });
    closers.push(() => board.close());
    board.soldOut(sale.id);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(board.refusal(attempt(sale.id, 'someone'), clock.now())).toBeUndefined();
  });

  it('passes sold-out and restocked news to the boards of other threads', async () => {
    const clock = new ManualClock();
    const { backend, sale } = await soldOutSale(clock);
    const channel = `test-${sale.id}`;
    const here = new BroadcastSoldOutSignal(channel);
    const there = new BroadcastSoldOutSignal(channel);
    closers.push(
      () => here.close(),
      () => there.close(),
    );
    const local = new SoldOutBoard({ ledger: backend.ledger, signal: here, now: () => clock.now() });
    const remote = new SoldOutBoard({ ledger: backend.ledger, signal: there, now: () => clock.now() });
    closers.push(
      () => local.close(),
      () => remote.close(),
    );
    local.soldOut(sale.id);
    await vi.waitFor(() =>
      expect(remote.refusal(attempt(sale.id, 'someone'), clock.now())).toEqual({ kind: 'sold_out' }),
    );
    local.restocked(sale.id);
    await vi.waitFor(() => expect(remote.refusal(attempt(sale.id, 'someone'), clock.now())).toBeUndefined());
    expect(local.refusal(attempt(sale.id, 'someone'), clock.now())).toBeUndefined();
  });
});
