import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppDeps } from '../../../src/app/deps.ts';
import { EdgeStatusPublisher } from '../../../src/app/edge-status.ts';
import { cancelOrder, expireDue } from '../../../src/app/orders.ts';
import { purchase } from '../../../src/app/purchase.ts';
import type { Sale } from '../../../src/domain/sale.ts';
import type { Backend } from '../../../src/ports/backend.ts';
import type { EdgeSaleStatus, SoldOutMark } from '../../../src/ports/edge-sale-status.ts';
import { noMetrics } from '../../../src/ports/metrics.ts';
import type { StockLedger } from '../../../src/ports/stock-ledger.ts';
import { openEmbeddedBackend } from '../../../src/shapes/embedded.ts';
import { saleFixture } from '../../support/fixtures.ts';
import { ManualClock } from '../../support/manual-clock.ts';

/** The port in memory, with a log of the writes in the order they landed. */
class MemoryEdgeStatus implements EdgeSaleStatus {
  readonly marks = new Map<string, SoldOutMark>();
  readonly starts = new Map<string, number>();
  readonly log: string[];
  /** Runs inside publishSoldOut, after the write: lets a test release units at that moment. */
  afterMark: (() => Promise<void>) | undefined;
  failing = false;

  constructor(log: string[]) {
    this.log = log;
  }

  async publishStart(saleId: string, startsAt: number): Promise<void> {
    this.#check();
    this.starts.set(saleId, startsAt);
  }
  async publishSoldOut(saleId: string, mark: SoldOutMark): Promise<void> {
    this.#check();
    this.marks.set(saleId, mark);
    this.log.push('mark');
    await this.afterMark?.();
  }
  async clearSoldOut(saleId: string): Promise<void> {
    this.#check();
    this.marks.delete(saleId);
    this.log.push('clear');
  }
  async soldOutMark(saleId: string): Promise<SoldOutMark | undefined> {
    this.#check();
    return this.marks.get(saleId);
  }
  #check(): void {
    if (this.failing) throw new Error('store unreachable');
  }
}

/** The ledger with its own release swapped for `release` (methods bound: the ledger keeps #private state). */
function withRelease(ledger: StockLedger, release: StockLedger['release']): StockLedger {
  return new Proxy(ledger, {
    get(target, property) {
      if (property === 'release') return release;
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('EdgeStatusPublisher', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  async function setUp(options: { stock?: number; endsIn?: number } = {}) {
    const clock = new ManualClock(1_000_000);
    const backend: Backend = openEmbeddedBackend({ path: ':memory:', durability: 'normal' });
    closers.push(() => backend.close());
    const log: string[] = [];
    const store = new MemoryEdgeStatus(log);
    const ledger = withRelease(backend.ledger, async (...args) => {
      log.push('release');
      return backend.ledger.release(...args);
    });
    const errors: string[] = [];
    const edgeStatus = new EdgeStatusPublisher({
      store,
      ledger,
      clock,
      markMs: 60_000,
      onError: (_error, what) => errors.push(what),
    });
    const sale: Sale = {
      ...saleFixture,
      id: randomUUID(),
      stock: options.stock ?? 1,
      perUserLimit: 1,
      startsAt: clock.now(),
      endsAt: clock.now() + (options.endsIn ?? 3_600_000),
      paymentWindowSeconds: 60,
    };
    await backend.ledger.openSale(sale);
    const deps: AppDeps = {
      ...backend,
      ledger,
      clock,
      metrics: noMetrics,
      purchaseLimiter: undefined,
      edgeStatus,
    };
    const buy = (userId: string) =>
      purchase(deps, { saleId: sale.id, userId, quantity: 1, idempotencyKey: `${userId}-k` });
    return { clock, backend, store, log, errors, edgeStatus, sale, deps, buy };
  }

  it('marks nothing while the ledger still has units', async () => {
    const { edgeStatus, store, sale } = await setUp({ stock: 2 });
    await edgeStatus.soldOut(sale.id);
    expect(store.marks.size).toBe(0);
  });

  it('marks a sold-out sale for markMs, and a crowd of losers writes it once', async () => {
    const { edgeStatus, store, sale, clock, buy, log } = await setUp();
    await buy('winner');
    await edgeStatus.soldOut(sale.id);
    expect(store.marks.get(sale.id)).toEqual({ until: clock.now() + 60_000 });
    for (let i = 0; i < 20; i++) await edgeStatus.soldOut(sale.id);
    expect(log.filter((entry) => entry === 'mark')).toHaveLength(1);
  });

  it('leaves a mark another process wrote alone while it holds long enough, and renews it in its second half', async () => {
    const { store, sale, clock, buy, backend, log } = await setUp();
    await buy('winner');
    store.marks.set(sale.id, { until: clock.now() + 50_000 });
    const other = new EdgeStatusPublisher({ store, ledger: backend.ledger, clock, markMs: 60_000 });
    await other.soldOut(sale.id);
    expect(log).toEqual([]);
    clock.advance(25_000);
    await other.soldOut(sale.id);
    expect(store.marks.get(sale.id)).toEqual({ until: clock.now() + 60_000 });
  });

  it('never marks past the end of the sale', async () => {
    const { edgeStatus, store, sale, buy } = await setUp({ endsIn: 10_000 });
    await buy('winner');
    await edgeStatus.soldOut(sale.id);
    expect(store.marks.get(sale.id)).toEqual({ until: sale.endsAt });
  });

  it('removes its mark when units came back between the ledger’s answer and the write', async () => {
    const { edgeStatus, store, sale, buy, backend, clock } = await setUp();
    const won = await buy('winner');
    store.afterMark = async () => {
      store.afterMark = undefined;
      await backend.ledger.release(won.reservation.id, 'cancelled', clock.now());
    };
    await edgeStatus.soldOut(sale.id);
    expect(store.marks.has(sale.id)).toBe(false);
  });

  it('a purchase answered sold_out marks the sale, without waiting for the edge', async () => {
    const { store, sale, buy } = await setUp();
    await buy('winner');
    await expect(buy('loser')).rejects.toMatchObject({ code: 'sold_out' });
    await expect.poll(() => store.marks.has(sale.id)).toBe(true);
  });

  it('clears the mark before a cancellation releases the units, and again after', async () => {
    const { edgeStatus, store, sale, buy, log, deps } = await setUp();
    const won = await buy('winner');
    await edgeStatus.soldOut(sale.id);
    log.length = 0;
    await cancelOrder(deps, won.reservation.orderId, { userId: 'winner', isAdmin: false });
    expect(log).toEqual(['clear', 'release', 'clear']);
    expect(store.marks.has(sale.id)).toBe(false);
  });

  it('a mark written during a release does not outlive it', async () => {
    const { edgeStatus, store, sale, buy, log, deps } = await setUp();
    const won = await buy('winner');
    // A loser's answer from before the release lands its mark between the first clear and the release.
    const ledger = deps.ledger;
    const racing = withRelease(ledger, async (...args) => {
      await edgeStatus.soldOut(sale.id);
      return ledger.release(...args);
    });
    await cancelOrder({ ...deps, ledger: racing }, won.reservation.orderId, {
      userId: 'winner',
      isAdmin: false,
    });
    expect(log).toEqual(['clear', 'mark', 'release', 'clear']);
    expect(store.marks.has(sale.id)).toBe(false);
  });

  it('clears before expired reservations are released, once per sale, and again after', async () => {
    const { edgeStatus, sale, log, deps, clock, backend } = await setUp({ stock: 3 });
    for (const user of ['a', 'b', 'c']) {
      await purchase(deps, { saleId: sale.id, userId: user, quantity: 1, idempotencyKey: `${user}-k` });
    }
    await edgeStatus.soldOut(sale.id);
    log.length = 0;
    clock.advance(61_000);
    expect(await expireDue(deps)).toBe(3);
    expect(log).toEqual(['clear', 'release', 'release', 'release', 'clear']);
    expect((await backend.ledger.getSale(sale.id))?.available).toBe(3);
  });

  it('reports a store that fails and never fails the use case', async () => {
    const { edgeStatus, store, sale, buy, errors, deps } = await setUp();
    store.failing = true;
    const won = await buy('winner');
    await expect(buy('loser')).rejects.toMatchObject({ code: 'sold_out' });
    await edgeStatus.soldOut(sale.id);
    const view = await cancelOrder(deps, won.reservation.orderId, { userId: 'winner', isAdmin: false });
    expect(view.status).toBe('cancelled');
    expect(errors).toEqual(
      expect.arrayContaining(['sold out', 'units back (before release)', 'units back (after release)']),
    );
  });

  it('loads a lazy store on first use only, and tries again after a failed load', async () => {
    const { backend, clock, sale } = await setUp();
    let loads = 0;
    const store = new MemoryEdgeStatus([]);
    const errors: unknown[] = [];
    const publisher = new EdgeStatusPublisher({
      store: async () => {
        loads++;
        if (loads === 1) throw new Error('module failed to load');
        return store;
      },
      ledger: backend.ledger,
      clock,
      onError: (error) => errors.push(error),
    });
    expect(loads).toBe(0);
    await publisher.saleOpened(sale);
    expect(errors).toHaveLength(1);
    await publisher.saleOpened(sale);
    await publisher.saleOpened(sale);
    expect(loads).toBe(2);
    expect(store.starts.get(sale.id)).toBe(sale.startsAt);
  });
});
