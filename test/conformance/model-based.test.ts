import { fc, it } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { auditSale } from '../../src/app/audit.ts';
import type { AppDeps } from '../../src/app/deps.ts';
import { OrderWorker } from '../../src/app/order-worker.ts';
import { cancelOrder, expireDue, getOrder, payOrder } from '../../src/app/orders.ts';
import { type Purchased, purchase } from '../../src/app/purchase.ts';
import { createSale } from '../../src/app/sales.ts';
import { SoldOutBoard } from '../../src/app/sold-out-board.ts';
import { FlashSaleError } from '../../src/domain/errors.ts';
import type { Sale } from '../../src/domain/sale.ts';
import type { Backend } from '../../src/ports/backend.ts';
import { noMetrics } from '../../src/ports/metrics.ts';
import { openAwsBackend } from '../../src/shapes/aws.ts';
import { openEmbeddedBackend } from '../../src/shapes/embedded.ts';
import { openTestClusterBackend, sharedServicesAvailable } from '../support/cluster-services.ts';
import { type LocalAws, startLocalAws } from '../support/local-aws.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { type Answer, OrderModel } from '../support/order-model.ts';

/**
 * Model-based conformance: random short sequences of purchases, retries,
 * payments, cancellations, expiry sweeps, worker drains and clock moves run
 * against a backend and against OrderModel (the domain's rules in memory) side
 * by side. After every step both answered alike and I1 to I6 hold; a failure
 * prints the shrunk sequence and its seed. MODEL_RUNS sets the sequences per
 * backend, MODEL_SEED replays a printed seed.
 */
const RUNS = Number(process.env.MODEL_RUNS ?? 200);
/** The seed a failure printed, to run the same sequences again. */
const SEED = process.env.MODEL_SEED === undefined ? {} : { seed: Number(process.env.MODEL_SEED) };
const SHOPPERS = 3;
const SALE = { stock: 3, perUserLimit: 2, paymentWindowSeconds: 30, lastsMs: 75_000 };
const admin = { userId: 'admin', isAdmin: true };

/** One run's system: a fresh sale on a backend opened once per backend, its clock, worker and board. */
interface Real {
  readonly backend: Backend;
  readonly deps: AppDeps;
  readonly clock: ManualClock;
  readonly worker: OrderWorker;
  readonly board: SoldOutBoard;
  readonly saleId: string;
  readonly users: readonly string[];
  /** The backend's order ids by the model's reservation index. */
  readonly orderIds: string[];
}

/** The model and what the sequence has asked so far (retries repeat a purchase by its number). */
interface ModelState {
  readonly model: OrderModel;
  readonly purchases: Array<{ readonly shopper: number; readonly key: string; readonly quantity: number }>;
}

type Command = fc.AsyncCommand<ModelState, Real>;

async function answerOf(promise: Promise<Answer>): Promise<Answer> {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof FlashSaleError) return { error: error.code };
    throw error;
  }
}

function orderIndex(real: Real, orderId: string): number {
  const index = real.orderIds.indexOf(orderId);
  if (index < 0) throw new Error(`the backend answered with an order the model never saw: ${orderId}`);
  return index;
}

type Bought = Purchased | { readonly error: string };

async function realPurchases(real: Real, shopper: number, key: string, quantity: number, times: number) {
  const command = { saleId: real.saleId, userId: real.users[shopper]!, quantity, idempotencyKey: key };
  const bought = await Promise.all(
    Array.from({ length: times }, async (): Promise<Bought> => {
      try {
        return await purchase(real.deps, command);
      } catch (error) {
        if (error instanceof FlashSaleError) return { error: error.code };
        throw error;
      }
    }),
  );
  // A new reservation gets the next index, as in the model (whichever racing answer arrived first);
  // a replay must name a known one.
  for (const b of bought) {
    if ('reservation' in b && !b.replayed && !real.orderIds.includes(b.reservation.orderId)) {
      real.orderIds.push(b.reservation.orderId);
    }
  }
  return bought.map(
    (b): Answer =>
      'error' in b
        ? b
        : {
            order: orderIndex(real, b.reservation.orderId),
            state: b.reservation.state,
            replayed: b.replayed,
          },
  );
}

async function realPurchase(real: Real, shopper: number, key: string, quantity: number): Promise<Answer> {
  return (await realPurchases(real, shopper, key, quantity, 1))[0]!;
}

/** I1, I2, I4 (the audit, and its counts equal the model's), I3 (every reservation readable as the model says). */
async function checkInvariants(state: ModelState, real: Real): Promise<void> {
  const { model } = state;
  const audit = await auditSale(real.deps, real.saleId);
  expect(audit.violations).toEqual([]);
  expect({
    initial: audit.initial,
    available: audit.available,
    held: audit.held,
    paid: audit.paid,
    released: audit.released,
    reservations: audit.reservations,
  }).toEqual({
    initial: SALE.stock,
    available: model.available,
    held: model.units('held'),
    paid: model.units('paid'),
    released: model.units('released'),
    reservations: model.reservations.length,
  });
  expect(real.orderIds).toHaveLength(model.reservations.length);
  const statuses = await Promise.all(real.orderIds.map((id) => getOrder(real.deps, id, admin)));
  expect(statuses.map((o) => o.status)).toEqual(model.reservations.map((_, i) => model.status(i)));
  // I4 per shopper, counted by the model too (the audit counts the store).
  for (const user of real.users) expect(model.holding(user)).toBeLessThanOrEqual(SALE.perUserLimit);
}

/** I3 and I6 once the pipeline caught up: exactly one order per reservation, in the model's status; queue empty. */
async function checkPipeline(state: ModelState, real: Real): Promise<void> {
  const { model } = state;
  expect(await real.backend.orders.countForSale(real.saleId)).toBe(model.reservations.length);
  const records = await Promise.all(real.orderIds.map((id) => real.backend.orders.get(id)));
  expect(records.map((r) => r?.status)).toEqual(model.reservations.map((_, i) => model.status(i)));
  expect(await real.backend.queue.depth()).toEqual({ pending: 0, dead: 0 });
}

async function step(state: ModelState, real: Real, expected: Answer, actual: Promise<Answer>): Promise<void> {
  expect(await actual).toEqual(expected);
  await checkInvariants(state, real);
}

class Purchase implements Command {
  readonly shopper: number;
  readonly key: string;
  readonly quantity: number;
  constructor(shopper: number, key: string, quantity: number) {
    this.shopper = shopper;
    this.key = key;
    this.quantity = quantity;
  }
  check = () => true;
  async run(state: ModelState, real: Real): Promise<void> {
    state.purchases.push({ shopper: this.shopper, key: this.key, quantity: this.quantity });
    const expected = state.model.purchase(real.users[this.shopper]!, this.key, this.quantity);
    await step(state, real, expected, realPurchase(real, this.shopper, this.key, this.quantity));
  }
  toString = () => `purchase(shopper ${this.shopper}, key ${this.key}, quantity ${this.quantity})`;
}

/** The same purchase sent twice at once (a double click): one reservation at most, the other answer replays it. */
class DoubleSubmit implements Command {
  readonly shopper: number;
  readonly key: string;
  readonly quantity: number;
  constructor(shopper: number, key: string, quantity: number) {
    this.shopper = shopper;
    this.key = key;
    this.quantity = quantity;
  }
  check = () => true;
  async run(state: ModelState, real: Real): Promise<void> {
    state.purchases.push({ shopper: this.shopper, key: this.key, quantity: this.quantity });
    const userId = real.users[this.shopper]!;
    const expected = [
      state.model.purchase(userId, this.key, this.quantity),
      state.model.purchase(userId, this.key, this.quantity),
    ];
    const actual = await realPurchases(real, this.shopper, this.key, this.quantity, 2);
    // Which of the two took the unit is a race: compare the answers as a set.
    const sorted = (answers: Answer[]) => answers.map((a) => JSON.stringify(a)).sort();
    expect(sorted(actual)).toEqual(sorted(expected));
    await checkInvariants(state, real);
  }
  toString = () =>
    `purchase twice at once(shopper ${this.shopper}, key ${this.key}, quantity ${this.quantity})`;
}

/** Sends purchase number `n` of the sequence again: same shopper, key and quantity. */
class Retry implements Command {
  readonly n: number;
  constructor(n: number) {
    this.n = n;
  }
  check = (state: Readonly<ModelState>) => this.n < state.purchases.length;
  async run(state: ModelState, real: Real): Promise<void> {
    const { shopper, key, quantity } = state.purchases[this.n]!;
    const expected = state.model.purchase(real.users[shopper]!, key, quantity);
    await step(state, real, expected, realPurchase(real, shopper, key, quantity));
  }
  toString = () => `retry(purchase #${this.n})`;
}

type Actor = 'owner' | 'another shopper';

/** Pays or cancels order number `order`, as its shopper or as another one (who must get order_not_found). */
class OrderAction implements Command {
  readonly action: 'pay' | 'cancel';
  readonly order: number;
  readonly by: Actor;
  constructor(action: 'pay' | 'cancel', order: number, by: Actor) {
    this.action = action;
    this.order = order;
    this.by = by;
  }
  check = (state: Readonly<ModelState>) => this.order < state.model.reservations.length;
  async run(state: ModelState, real: Real): Promise<void> {
    const owner = state.model.reservations[this.order]!.userId;
    const userId = this.by === 'owner' ? owner : real.users.find((u) => u !== owner)!;
    const expected =
      this.action === 'pay' ? state.model.pay(this.order, userId) : state.model.cancel(this.order, userId);
    const useCase = this.action === 'pay' ? payOrder : cancelOrder;
    const actual = answerOf(
      useCase(real.deps, real.orderIds[this.order]!, { userId, isAdmin: false }).then((view) => ({
        order: orderIndex(real, view.id),
        status: view.status,
      })),
    );
    await step(state, real, expected, actual);
  }
  toString = () => `${this.action}(order ${this.order}${this.by === 'owner' ? '' : ', by another shopper'})`;
}

/** The worker's expiry sweep; answers how many reservations it released. */
class Expire implements Command {
  check = () => true;
  async run(state: ModelState, real: Real): Promise<void> {
    const expected = state.model.expireDue();
    expect(await expireDue(real.deps)).toBe(expected);
    await checkInvariants(state, real);
  }
  toString = () => 'expireDue()';
}

/** The order worker handles every queued event. */
class Drain implements Command {
  check = () => true;
  async run(state: ModelState, real: Real): Promise<void> {
    await real.worker.drain();
    state.model.drained();
    await checkInvariants(state, real);
    await checkPipeline(state, real);
  }
  toString = () => 'drainWorker()';
}

class Advance implements Command {
  readonly ms: number;
  constructor(ms: number) {
    this.ms = ms;
  }
  check = () => true;
  async run(state: ModelState, real: Real): Promise<void> {
    state.model.now += this.ms;
    real.clock.advance(this.ms);
    await checkInvariants(state, real);
  }
  toString = () => `clock +${this.ms / 1000}s`;
}

const shopper = fc.integer({ min: 0, max: SHOPPERS - 1 });
const key = fc.constantFrom('a', 'b', 'c');
const quantity = fc.oneof(
  { weight: 4, arbitrary: fc.constant(1) },
  { weight: 2, arbitrary: fc.constant(2) },
  { weight: 1, arbitrary: fc.constant(3) },
);
const earlier = fc.integer({ min: 0, max: 3 });
const actor = fc.oneof(
  { weight: 5, arbitrary: fc.constant<Actor>('owner') },
  { weight: 1, arbitrary: fc.constant<Actor>('another shopper') },
);
const purchaseCommand = fc.tuple(shopper, key, quantity).map(([s, k, q]): Command => new Purchase(s, k, q));
const orderAction = fc
  .tuple(fc.constantFrom<'pay' | 'cancel'>('pay', 'cancel'), earlier, actor)
  .map(([action, n, by]): Command => new OrderAction(action, n, by));
const commands = fc.commands(
  [
    purchaseCommand,
    purchaseCommand,
    purchaseCommand,
    purchaseCommand,
    earlier.map((n): Command => new Retry(n)),
    orderAction,
    orderAction,
    fc.tuple(shopper, key, quantity).map(([s, k, q]): Command => new DoubleSubmit(s, k, q)),
    fc.constant<Command>(new Expire()),
    fc.constant<Command>(new Drain()),
    fc.constantFrom(1_000, 10_000, 30_000, 60_000).map((ms): Command => new Advance(ms)),
  ],
  { maxCommands: 12, size: 'max' },
);
/** Mostly live from the first step, sometimes starting one second in (so early purchases meet not_started). */
const startsIn = fc.record({
  startsInMs: fc.oneof(
    { weight: 4, arbitrary: fc.constant(0) },
    { weight: 1, arbitrary: fc.constant(1_000) },
  ),
});

let runNumber = 0;

async function openRun(backend: Backend, startsInMs: number): Promise<{ model: ModelState; real: Real }> {
  const clock = new ManualClock();
  const board = new SoldOutBoard({ ledger: backend.ledger, signal: backend.soldOut, now: () => clock.now() });
  const deps: AppDeps = {
    ...backend,
    clock,
    metrics: noMetrics,
    purchaseLimiter: undefined,
    soldOutBoard: board,
  };
  const worker = new OrderWorker(deps, { maxAttempts: 3, backoffMs: 100, maxBackoffMs: 1000 });
  const now = clock.now();
  const view = await createSale(deps, {
    sku: 'MODEL',
    name: 'Model-based sale',
    stock: SALE.stock,
    startsAt: now + startsInMs,
    endsAt: now + startsInMs + SALE.lastsMs,
    perUserLimit: SALE.perUserLimit,
    priceCents: 500,
    currency: 'EUR',
    paymentWindowSeconds: SALE.paymentWindowSeconds,
    purchaseToken: false,
  });
  const snapshot = await backend.ledger.getSale(view.id);
  const sale: Sale = snapshot!.sale;
  const run = runNumber++;
  const users = Array.from({ length: SHOPPERS }, (_, i) => `model-${run}-shopper-${i}`);
  return {
    model: { model: new OrderModel(sale, now), purchases: [] },
    real: { backend, deps, clock, worker, board, saleId: view.id, users, orderIds: [] },
  };
}

/** Leaves nothing held or queued behind, so the next run's expiry sweep sees only its own sale. */
async function closeRun(real: Real): Promise<void> {
  real.clock.advance(3_600_000);
  await expireDue(real.deps);
  await real.worker.drain();
  await real.worker.stop();
  real.board.close();
}

function describeModelRuns(name: string, open: () => Promise<Backend>, close?: () => Promise<void>): void {
  describe(`${name}: model-based sequences`, () => {
    let backend: Backend;
    beforeAll(async () => {
      backend = await open();
    });
    afterAll(async () => {
      await backend?.close();
      await close?.();
    });

    it.prop([startsIn, commands], { numRuns: RUNS, ...SEED })(
      `answers as the domain model does, and I1-I6 hold after every step (${RUNS} sequences)`,
      async ({ startsInMs }, sequence) => {
        const { model: state, real } = await openRun(backend, startsInMs);
        try {
          await fc.asyncModelRun(() => ({ model: state, real }), sequence);
          // The end of every sequence: the pipeline catches up and leaves one order per reservation.
          await real.worker.drain();
          state.model.drained();
          await checkInvariants(state, real);
          await checkPipeline(state, real);
        } finally {
          await closeRun(real);
        }
      },
      Math.max(60_000, RUNS * 1_000),
    );
  });
}

describeModelRuns('embedded (SQLite in memory)', async () =>
  openEmbeddedBackend({ path: ':memory:', durability: 'normal' }),
);

describe.skipIf(!(await sharedServicesAvailable()))('cluster shape (shared Redis and PostgreSQL)', () => {
  describeModelRuns('cluster (Redis + PostgreSQL, one stock shard)', () =>
    openTestClusterBackend({ stockShards: 1 }),
  );
  describeModelRuns('cluster (Redis + PostgreSQL, stock over 4 shards)', () =>
    openTestClusterBackend({ stockShards: 4 }),
  );
});

let aws: LocalAws | undefined;
describeModelRuns(
  'AWS (DynamoDB via dynalite, SQS via fauxqs, 4 stock shards)',
  async () => {
    aws = await startLocalAws();
    return openAwsBackend(aws.backendOptions(await aws.createResources(), { stockShards: 4 }));
  },
  async () => {
    await aws?.stop();
  },
);
