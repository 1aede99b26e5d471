import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { auditSale } from '../../src/app/audit.ts';
import { listDeadLetters, redriveDeadLetter } from '../../src/app/dead-letters.ts';
import type { AppDeps } from '../../src/app/deps.ts';
import { OrderWorker } from '../../src/app/order-worker.ts';
import { cancelOrder, expireDue, getOrder, payOrder } from '../../src/app/orders.ts';
import { purchase } from '../../src/app/purchase.ts';
import { PurchaseTokens } from '../../src/app/purchase-tokens.ts';
import { SaleCache } from '../../src/app/sale-cache.ts';
import { createSale, getSale, listSales, type SaleView } from '../../src/app/sales.ts';
import { SoldOutBoard } from '../../src/app/sold-out-board.ts';
import { FlashSaleError } from '../../src/domain/errors.ts';
import type { Backend } from '../../src/ports/backend.ts';
import { noMetrics } from '../../src/ports/metrics.ts';
import type { OrderProjection } from '../../src/ports/order-projection.ts';
import type { OrderStore } from '../../src/ports/order-store.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { describePurchaseRuleConformance } from './purchase-rule-suite.ts';

export type BackendFactory = () => Promise<Backend>;

const MAX_ATTEMPTS = 3;
const tokens = new PurchaseTokens('conformance-suite-secret-0123456789abcdef');
const admin = { userId: 'admin', isAdmin: true };

/** An order store that fails while `down` is set: a downstream outage the pipeline must ride out. */
function flakyOrders(inner: OrderStore): OrderStore & { down: boolean } {
  return {
    down: false,
    apply(reservation, event, now) {
      if (this.down) return Promise.reject(new Error('order store unavailable'));
      return inner.apply(reservation, event, now);
    },
    get: (orderId) => inner.get(orderId),
    countForSale: (saleId) => inner.countForSale(saleId),
    countByStatus: (saleId) => inner.countByStatus(saleId),
  };
}

/** Where the store confirms orders in bulk, that path writes order records too: down with them. */
function flakyProjection(
  inner: OrderProjection | undefined,
  orders: { readonly down: boolean },
): OrderProjection | undefined {
  if (inner === undefined) return undefined;
  return {
    confirmPending(max, now) {
      if (orders.down) return Promise.reject(new Error('order store unavailable'));
      return inner.confirmPending(max, now);
    },
  };
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof FlashSaleError) return error.code;
    throw error;
  }
  return 'accepted';
}

/**
 * The behaviour every backend must show, written once against the ports and
 * run by a small file per backend.
 */
export function describeBackendConformance(name: string, openBackend: BackendFactory): void {
  describe(`${name} backend conformance`, () => {
    let backend: Backend;
    let clock: ManualClock;
    let orders: ReturnType<typeof flakyOrders>;
    let deps: AppDeps;
    let worker: OrderWorker;
    let board: SoldOutBoard;

    beforeEach(async () => {
      backend = await openBackend();
      clock = new ManualClock();
      orders = flakyOrders(backend.orders);
      board = new SoldOutBoard({ ledger: backend.ledger, signal: backend.soldOut, now: () => clock.now() });
      deps = {
        ...backend,
        orders,
        orderProjection: flakyProjection(backend.orderProjection, orders),
        clock,
        metrics: noMetrics,
        purchaseLimiter: undefined,
        soldOutBoard: board,
        purchaseTokens: tokens,
      };
      worker = new OrderWorker(deps, { maxAttempts: MAX_ATTEMPTS, backoffMs: 100, maxBackoffMs: 1000 });
    });

    afterEach(async () => {
      await worker.stop();
      board.close();
      await backend.close();
    });

    function openSale(overrides: Partial<Parameters<typeof createSale>[1]> = {}): Promise<SaleView> {
      const now = clock.now();
      return createSale(deps, {
        sku: 'SKU',
        name: 'Sale',
        stock: 100,
        startsAt: now,
        endsAt: now + 3_600_000,
        perUserLimit: 2,
        priceCents: 500,
        currency: 'EUR',
        paymentWindowSeconds: 60,
        purchaseToken: false,
        ...overrides,
      });
    }

    const buy = (saleId: string, userId: string, key: string, quantity = 1) =>
      purchase(deps, { saleId, userId, quantity, idempotencyKey: key });

    it('sells exactly the stock to a concurrent crowd (I1) and no user above the limit (I4)', async () => {
      const sale = await openSale({ stock: 100, perUserLimit: 2 });
      const attempts = Array.from({ length: 1000 }, (_, i) =>
        refusal(buy(sale.id, `user-${i % 300}`, `key-${i}`, 1 + (i % 2))),
      );
      const outcomes = await Promise.all(attempts);
      const audit = await auditSale(deps, sale.id);
      expect(audit).toMatchObject({ ok: true, initial: 100, available: 0, held: 100, paid: 0 });
      expect(outcomes.filter((o) => o === 'accepted').length).toBe(audit.reservations);
      const expected = ['accepted', 'sold_out', 'limit_exceeded', 'insufficient_stock'];
      expect(outcomes.filter((o) => !expected.includes(o))).toEqual([]);
      expect(outcomes).toContain('sold_out');
    });

    it('holds a shopper to the per-user limit across separate purchases', async () => {
      const sale = await openSale({ perUserLimit: 2 });
      const codes = [];
      for (let i = 0; i < 5; i++) codes.push(await refusal(buy(sale.id, 'alice', `k${i}`)));
      expect(codes).toEqual(['accepted', 'accepted', 'limit_exceeded', 'limit_exceeded', 'limit_exceeded']);
      expect(await refusal(buy(sale.id, 'alice', 'big', 3))).toBe('limit_exceeded');
    });

    it('answers a retried idempotency key with the same reservation and one unit (I5)', async () => {
      const sale = await openSale();
      const results = await Promise.all(Array.from({ length: 20 }, () => buy(sale.id, 'bob', 'same-key')));
      expect(new Set(results.map((r) => r.reservation.id)).size).toBe(1);
      expect(results.filter((r) => !r.replayed)).toHaveLength(1);
      expect((await auditSale(deps, sale.id)).held).toBe(1);
      expect(await refusal(buy(sale.id, 'bob', 'same-key', 2))).toBe('idempotency_conflict');
    });

    it('replays a reservation after the sale sold out', async () => {
      const sale = await openSale({ stock: 1, perUserLimit: 1 });
      const first = await buy(sale.id, 'carol', 'only');
      expect(await refusal(buy(sale.id, 'dave', 'late'))).toBe('sold_out');
      const again = await buy(sale.id, 'carol', 'only');
      expect(again).toMatchObject({ replayed: true, reservation: { id: first.reservation.id } });
    });

    it('lists the holdings of a sale: held and paid units count, released ones do not', async () => {
      const sale = await openSale({ perUserLimit: 2 });
      const other = await openSale();
      await buy(sale.id, 'hana', 'h1');
      await buy(sale.id, 'hana', 'h2');
      const paid = await buy(sale.id, 'ivan', 'i');
      await payOrder(deps, paid.reservation.orderId, { userId: 'ivan', isAdmin: false });
      const gone = await buy(sale.id, 'jane', 'j');
      await cancelOrder(deps, gone.reservation.orderId, { userId: 'jane', isAdmin: false });
      await buy(other.id, 'kurt', 'k');
      const holdings = await backend.ledger.listHoldings(sale.id);
      const byUser = Object.fromEntries(holdings.map((h) => [h.userId, h.units]));
      expect(byUser).toEqual({ hana: 2, ivan: 1 });
      expect(await backend.ledger.listHoldings('no-such-sale')).toEqual([]);
    });

    it('answers a sold-out sale from memory as the store would, and sells again once units come back', async () => {
      const sale = await openSale({ stock: 2, perUserLimit: 1 });
      const first = await buy(sale.id, 'lena', 'l');
      await buy(sale.id, 'mark', 'm');
      expect(await refusal(buy(sale.id, 'nina', 'n'))).toBe('sold_out');
      const attempt = (userId: string, idempotencyKey: string) => ({
        saleId: sale.id,
        userId,
        quantity: 1,
        idempotencyKey,
      });
      await vi.waitFor(() =>
        expect(board.refusal(attempt('olga', 'o'), clock.now())).toEqual({ kind: 'sold_out' }),
      );
      const reserve = vi.spyOn(backend.ledger, 'reserve');
      const losers = await Promise.all(
        Array.from({ length: 50 }, (_, i) => refusal(buy(sale.id, `loser-${i}`, 'x'))),
      );
      expect(losers.every((code) => code === 'sold_out')).toBe(true);
      // A holder trying a new key is at the limit: the same answer the store gives, from memory.
      expect(await refusal(buy(sale.id, 'mark', 'another'))).toBe('limit_exceeded');
      expect(reserve).not.toHaveBeenCalled();
      // A retry of a key that holds units still reaches the store and gets its first answer (I5).
      expect((await buy(sale.id, 'lena', 'l')).reservation.id).toBe(first.reservation.id);
      expect(reserve).toHaveBeenCalledTimes(1);
      await cancelOrder(deps, first.reservation.orderId, { userId: 'lena', isAdmin: false });
      expect(await refusal(buy(sale.id, 'olga', 'o'))).toBe('accepted');
      reserve.mockRestore();
      expect(await auditSale(deps, sale.id)).toMatchObject({ ok: true, available: 0, held: 2 });
    });

    it('answers a retry of any key the store knows as the store does, past the sold-out board (I5)', async () => {
      const sale = await openSale({ stock: 1, perUserLimit: 1, paymentWindowSeconds: 1 });
      const first = await buy(sale.id, 'alice', 'K');
      clock.advance(1_000);
      expect(await expireDue(deps)).toBe(1);
      await buy(sale.id, 'bob', 'b');
      expect(await refusal(buy(sale.id, 'carol', 'c'))).toBe('sold_out');
      const newKey = { saleId: sale.id, userId: 'zoe', quantity: 1, idempotencyKey: 'z' };
      await vi.waitFor(() => expect(board.refusal(newKey, clock.now())).toEqual({ kind: 'sold_out' }));
      // Her reservation was released, yet the store replays it: so must the board.
      const retry = await buy(sale.id, 'alice', 'K');
      expect(retry).toMatchObject({
        replayed: true,
        reservation: { id: first.reservation.id, state: 'released' },
      });
      // A key used in another sale is a conflict, not sold_out; a new key is still answered from memory.
      const other = await openSale();
      await buy(other.id, 'dora', 'D');
      const reserve = vi.spyOn(backend.ledger, 'reserve');
      expect(await refusal(buy(sale.id, 'dora', 'D'))).toBe('idempotency_conflict');
      expect(await refusal(buy(sale.id, 'dora', 'new'))).toBe('sold_out');
      expect(reserve).toHaveBeenCalledTimes(1);
      reserve.mockRestore();
      clock.advance(1_500);
      expect((await buy(sale.id, 'alice', 'K')).reservation.id).toBe(first.reservation.id);
      expect(await auditSale(deps, sale.id)).toMatchObject({ ok: true, available: 0, held: 1, released: 1 });
    });

    it('answers a key of another sale with a conflict before the start, also from the sale cache', async () => {
      const other = await openSale();
      await buy(other.id, 'erin', 'E');
      const early = await openSale({ startsAt: clock.now() + 60_000 });
      const cached = { ...deps, saleCache: new SaleCache(backend.ledger) };
      const attempt = (key: string) =>
        refusal(purchase(cached, { saleId: early.id, userId: 'erin', quantity: 1, idempotencyKey: key }));
      await vi.waitFor(() => expect(cached.saleCache.peek(early.id)).toBeDefined());
      expect(await attempt('E')).toBe('idempotency_conflict');
      expect(await attempt('new')).toBe('not_started');
      expect(await refusal(buy(early.id, 'erin', 'E'))).toBe('idempotency_conflict');
    });

    it('stores purchaseToken with the sale (off unless asked) and reads it back', async () => {
      const plain = await openSale();
      const guarded = await openSale({ purchaseToken: true });
      expect(plain.purchaseToken).toBe(false);
      expect(guarded.purchaseToken).toBe(true);
      expect((await backend.ledger.getSale(guarded.id))?.sale.purchaseToken).toBe(true);
      expect((await backend.ledger.getSale(plain.id))?.sale.purchaseToken).toBe(false);
      const listed = new Map((await listSales(deps)).map((s) => [s.id, s.purchaseToken]));
      expect(listed.get(guarded.id)).toBe(true);
      expect(listed.get(plain.id)).toBe(false);
      // A plain sale needs no token and hands none out.
      expect((await buy(plain.id, 'ann', 'k')).reservation.quantity).toBe(1);
      expect(
        (await getSale(deps, plain.id, { userId: 'ann', isAdmin: false })).yourPurchaseToken,
      ).toBeUndefined();
    });

    it("refuses a purchaseToken sale without the shopper's token, or with a wrong one, touching no stock", async () => {
      const sale = await openSale({ purchaseToken: true, stock: 3 });
      const attempt = (userId: string, key: string, purchaseToken?: string) =>
        refusal(purchase(deps, { saleId: sale.id, userId, quantity: 1, idempotencyKey: key, purchaseToken }));
      const bobs = tokens.tokenFor(sale.id, 'bob');
      expect(await attempt('ann', 'a1')).toBe('purchase_token_required');
      expect(await attempt('ann', 'a2', '')).toBe('purchase_token_required');
      expect(await attempt('ann', 'a3', bobs)).toBe('purchase_token_invalid');
      expect(await attempt('ann', 'a4', 'not-a-token')).toBe('purchase_token_invalid');
      expect(await attempt('ann', 'a5', tokens.tokenFor('another-sale', 'ann'))).toBe(
        'purchase_token_invalid',
      );
      expect(await auditSale(deps, sale.id)).toMatchObject({
        ok: true,
        available: 3,
        held: 0,
        reservations: 0,
      });

      // The sale's page, asked by the shopper while live, hands out the token that works.
      const page = await getSale(deps, sale.id, { userId: 'ann', isAdmin: false });
      expect(page.yourPurchaseToken).toBe(tokens.tokenFor(sale.id, 'ann'));
      expect((await getSale(deps, sale.id)).yourPurchaseToken).toBeUndefined();
      expect(await attempt('ann', 'a6', page.yourPurchaseToken)).toBe('accepted');
      expect(await auditSale(deps, sale.id)).toMatchObject({
        ok: true,
        available: 2,
        held: 1,
        reservations: 1,
      });
    });

    it('hands out no purchase token before the sale is live', async () => {
      const sale = await openSale({ purchaseToken: true, startsAt: clock.now() + 60_000 });
      const early = await getSale(deps, sale.id, { userId: 'ann', isAdmin: false });
      expect(early.status).toBe('upcoming');
      expect(early.yourPurchaseToken).toBeUndefined();
      // Too early is too early, token or not.
      expect(
        await refusal(purchase(deps, { saleId: sale.id, userId: 'ann', quantity: 1, idempotencyKey: 'k' })),
      ).toBe('not_started');
      clock.advance(60_000);
      expect((await getSale(deps, sale.id, { userId: 'ann', isAdmin: false })).yourPurchaseToken).toBe(
        tokens.tokenFor(sale.id, 'ann'),
      );
    });

    it('refuses before the start and after the end', async () => {
      const sale = await openSale({ startsAt: clock.now() + 60_000, endsAt: clock.now() + 120_000 });
      expect(await refusal(buy(sale.id, 'erin', 'early'))).toBe('not_started');
      clock.advance(60_000);
      expect(await refusal(buy(sale.id, 'erin', 'on-time'))).toBe('accepted');
      clock.advance(60_000);
      expect(await refusal(buy(sale.id, 'erin', 'late'))).toBe('ended');
      expect(await refusal(buy('no-such-sale', 'erin', 'x'))).toBe('sale_not_found');
    });

    it('expires unpaid reservations, puts the units back on sale, and never expires paid ones', async () => {
      const sale = await openSale({ stock: 2, perUserLimit: 1, paymentWindowSeconds: 30 });
      const unpaid = await buy(sale.id, 'frank', 'f');
      const paid = await buy(sale.id, 'grace', 'g');
      await payOrder(deps, paid.reservation.orderId, { userId: 'grace', isAdmin: false });
      expect(await refusal(buy(sale.id, 'heidi', 'h'))).toBe('sold_out');

      clock.advance(29_999);
      expect(await expireDue(deps)).toBe(0);
      clock.advance(1);
      expect(await expireDue(deps)).toBe(1);
      expect(await expireDue(deps)).toBe(0);

      expect((await getOrder(deps, unpaid.reservation.orderId, admin)).status).toBe('expired');
      expect((await getOrder(deps, paid.reservation.orderId, admin)).status).toBe('paid');
      expect(await refusal(payOrder(deps, unpaid.reservation.orderId, admin))).toBe('payment_window_expired');
      expect(await refusal(buy(sale.id, 'heidi', 'h2'))).toBe('accepted');
      expect(await auditSale(deps, sale.id)).toMatchObject({
        ok: true,
        held: 1,
        paid: 1,
        available: 0,
        released: 1,
      });
    });

    it('refuses payment once the window has closed even before the sweeper ran', async () => {
      const sale = await openSale({ paymentWindowSeconds: 10 });
      const r = await buy(sale.id, 'ivan', 'i');
      clock.advance(10_000);
      expect(await refusal(payOrder(deps, r.reservation.orderId, admin))).toBe('payment_window_expired');
    });

    it('cancels an unpaid order once, returns its units, and refuses to cancel a paid one', async () => {
      const sale = await openSale({ stock: 3 });
      const r = await buy(sale.id, 'judy', 'j', 2);
      const racing = await Promise.all(
        Array.from({ length: 10 }, () =>
          cancelOrder(deps, r.reservation.orderId, { userId: 'judy', isAdmin: false }),
        ),
      );
      expect(racing.every((order) => order.status === 'cancelled')).toBe(true);
      expect(await auditSale(deps, sale.id)).toMatchObject({ ok: true, available: 3, held: 0, released: 2 });
      expect(await refusal(payOrder(deps, r.reservation.orderId, admin))).toBe('order_not_payable');

      const p = await buy(sale.id, 'judy', 'j2');
      await payOrder(deps, p.reservation.orderId, admin);
      expect(await refusal(cancelOrder(deps, p.reservation.orderId, admin))).toBe('order_not_cancellable');
      expect(
        await refusal(cancelOrder(deps, p.reservation.orderId, { userId: 'mallory', isAdmin: false })),
      ).toBe('order_not_found');
    });

    it('releases a reservation exactly once when expiry and cancel race', async () => {
      const sale = await openSale({ stock: 1, paymentWindowSeconds: 5 });
      const r = await buy(sale.id, 'kim', 'k');
      clock.advance(5_000);
      const results = await Promise.all([
        ...Array.from({ length: 5 }, () => backend.ledger.release(r.reservation.id, 'expired', clock.now())),
        ...Array.from({ length: 5 }, () =>
          backend.ledger.release(r.reservation.id, 'cancelled', clock.now()),
        ),
      ]);
      expect(results.filter((x) => x.kind === 'released')).toHaveLength(1);
      expect(await auditSale(deps, sale.id)).toMatchObject({ ok: true, available: 1, held: 0 });
    });

    it('turns each reservation into exactly one order, however often its event is delivered (I3)', async () => {
      const sale = await openSale({ stock: 50, perUserLimit: 5 });
      const bought = await Promise.all(Array.from({ length: 20 }, (_, i) => buy(sale.id, `u${i}`, `k${i}`)));
      expect((await getOrder(deps, bought[0]!.reservation.orderId, admin)).status).toBe('pending');
      await worker.drain();
      for (const b of bought.slice(0, 5)) {
        await backend.queue.publish('reservation.created', JSON.stringify(b.reservation), clock.now());
      }
      await worker.drain();
      expect(await backend.orders.countForSale(sale.id)).toBe(20);
      expect((await auditSale(deps, sale.id)).ordersPending).toBe(0);
      expect((await getOrder(deps, bought[0]!.reservation.orderId, admin)).status).toBe('confirmed');
      expect(await backend.queue.depth()).toEqual({ pending: 0, dead: 0 });
    });

    it('follows pay, expiry and cancel into the order record', async () => {
      const sale = await openSale({ stock: 10, perUserLimit: 3, paymentWindowSeconds: 30 });
      const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((u) => buy(sale.id, u, u)));
      await payOrder(deps, a!.reservation.orderId, admin);
      await cancelOrder(deps, b!.reservation.orderId, admin);
      clock.advance(30_000);
      await expireDue(deps);
      await worker.drain();
      expect((await backend.orders.get(a!.reservation.orderId))?.status).toBe('paid');
      expect((await backend.orders.get(b!.reservation.orderId))?.status).toBe('cancelled');
      expect((await backend.orders.get(c!.reservation.orderId))?.status).toBe('expired');
    });

    it('counts recorded orders by status, and tells when the oldest waiting event was queued', async () => {
      const sale = await openSale({ stock: 10, perUserLimit: 3, paymentWindowSeconds: 30 });
      const other = await openSale({ stock: 10 });
      const queuedFrom = Date.now() - 60_000;
      const [a, b] = await Promise.all(['a', 'b', 'c', 'd'].map((u) => buy(sale.id, u, u)));
      await buy(other.id, 'e', 'e');
      expect(await backend.orders.countByStatus(sale.id)).toEqual({
        confirmed: 0,
        paid: 0,
        expired: 0,
        cancelled: 0,
      });
      const oldest = await backend.queue.oldestPendingAt();
      // SQS keeps the age of its oldest message in CloudWatch only: the port says so with undefined.
      if (backend.name === 'aws') expect(oldest).toBeUndefined();
      else expect(oldest).toBeGreaterThan(queuedFrom);
      await payOrder(deps, a!.reservation.orderId, admin);
      await cancelOrder(deps, b!.reservation.orderId, admin);
      await worker.drain();
      expect(await backend.orders.countByStatus(sale.id)).toEqual({
        confirmed: 2,
        paid: 1,
        expired: 0,
        cancelled: 1,
      });
      expect((await backend.orders.countByStatus(other.id)).confirmed).toBe(1);
      expect(await backend.queue.oldestPendingAt()).toBe(backend.name === 'aws' ? undefined : null);
    });

    it('parks an event after the maximum attempts and redrives it once the fault is gone (I6)', async () => {
      const sale = await openSale();
      const r = await buy(sale.id, 'leo', 'l');
      orders.down = true;
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        await worker.drain();
        clock.advance(1_000);
      }
      const letters = await listDeadLetters(deps);
      expect(letters).toHaveLength(1);
      expect(letters[0]).toMatchObject({ topic: 'reservation.created', attempts: MAX_ATTEMPTS });
      expect(letters[0]!.lastError).toContain('order store unavailable');
      expect(await backend.queue.depth()).toEqual({ pending: 0, dead: 1 });

      orders.down = false;
      await redriveDeadLetter(deps, letters[0]!.id);
      await worker.drain();
      expect((await getOrder(deps, r.reservation.orderId, admin)).status).toBe('confirmed');
      expect(await backend.queue.depth()).toEqual({ pending: 0, dead: 0 });
      expect(await refusal(redriveDeadLetter(deps, letters[0]!.id))).toBe('dead_letter_not_found');
    });

    it('parks an unreadable event instead of blocking the queue', async () => {
      const sale = await openSale();
      await backend.queue.publish('reservation.created', '{"not":"a reservation"}', clock.now());
      const r = await buy(sale.id, 'mia', 'm');
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        await worker.drain();
        clock.advance(1_000);
      }
      expect(await backend.queue.depth()).toEqual({ pending: 0, dead: 1 });
      expect((await getOrder(deps, r.reservation.orderId, admin)).status).toBe('confirmed');
    });
  });
  describePurchaseRuleConformance(name, openBackend);
}
