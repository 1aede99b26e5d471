import type { Redis } from 'ioredis';
import { checkPayment } from '../../domain/order.ts';
import { decideRetry, newReservation } from '../../domain/purchase-decision.ts';
import type { ReleaseReason, Reservation } from '../../domain/reservation.ts';
import type { Sale } from '../../domain/sale.ts';
import { shardProbeOrder } from '../../domain/stock-shards.ts';
import type {
  Holding,
  LedgerCounts,
  ReleaseResult,
  ReserveRequest,
  ReserveResult,
  SaleSnapshot,
  SettleResult,
  StockLedger,
} from '../../ports/stock-ledger.ts';
import { TimeOrderedIds } from '../memory/time-ordered-ids.ts';
import { LuaScript, type ScriptRunner } from './lua-script.ts';
import type { RedisKeys } from './redis-keys.ts';
import { RedisSaleBook } from './redis-sale-book.ts';
import { reservationFromHash, type StoredReservation } from './reservation-hash.ts';
import { reserveReplyToOutcome } from './reserve-reply.ts';

/** Holders asked for per round trip (HSCAN's COUNT) when listing a sale's holdings. */
const HOLDINGS_SLICE = 1_000;

/** The subset of an ioredis client the ledger needs. */
export type LedgerRedis = Pick<
  Redis,
  | 'evalsha'
  | 'eval'
  | 'hget'
  | 'hexists'
  | 'hgetall'
  | 'hscan'
  | 'hkeys'
  | 'get'
  | 'mget'
  | 'zrange'
  | 'zrangebyscore'
  | 'multi'
  | 'ping'
>;

/** The probe order of a sale with one shard: there is no other. */
const ONE_SHARD: readonly number[] = [0];

const scripts = {
  reserve: new LuaScript('reserve.lua'),
  settle: new LuaScript('settle.lua'),
  release: new LuaScript('release.lua'),
  countSale: new LuaScript('count-sale.lua'),
};

/**
 * The stock ledger on Redis. Every state change is one Lua script that
 * decides, writes and appends its event to the order stream atomically; with
 * AOF `appendfsync always` Redis answers only once the write is on disk.
 * A sale's stock is split over `stockShards` counters; a purchase tries them
 * from a random one on and answers sold out only when all are empty.
 */
export class RedisStockLedger implements StockLedger {
  readonly #redis: LedgerRedis;
  readonly #keys: RedisKeys;
  readonly #sales: RedisSaleBook;
  readonly #purchases: ScriptRunner;
  /** Time-ordered, so the workers' order rows land at the right edge of PostgreSQL's indexes. */
  readonly #ids = new TimeOrderedIds();
  readonly #due: string;
  readonly #events: string;

  /** `purchases`: where reserve.lua runs (see purchaseConnections); `redis` when absent. */
  constructor(
    redis: LedgerRedis,
    keys: RedisKeys,
    options: { readonly stockShards: number; readonly purchases?: ScriptRunner | undefined },
  ) {
    this.#redis = redis;
    this.#purchases = options.purchases ?? redis;
    this.#keys = keys;
    this.#due = keys.due();
    this.#events = keys.events();
    this.#sales = new RedisSaleBook(redis, keys, options.stockShards);
  }

  async openSale(sale: Sale): Promise<void> {
    await this.#sales.open(sale);
  }

  async getSale(saleId: string): Promise<SaleSnapshot | undefined> {
    const definition = await this.#sales.definition(saleId);
    if (definition === undefined) return undefined;
    return { sale: definition.sale, available: await this.#sales.available(definition) };
  }

  async listSales(): Promise<SaleSnapshot[]> {
    const ids = await this.#redis.zrange(this.#keys.sales(), '0', '-1');
    const snapshots = await Promise.all(ids.map((id) => this.getSale(id)));
    return snapshots.filter((snapshot): snapshot is SaleSnapshot => snapshot !== undefined);
  }

  async reserve(request: ReserveRequest): Promise<ReserveResult> {
    const definition = this.#sales.cached(request.saleId) ?? (await this.#sales.definition(request.saleId));
    if (definition === undefined) return { kind: 'sale_not_found' };
    const { sale } = definition;
    // No window check here: before the start, a key used in another sale still decides first
    // (decidePurchase), and only the script sees the key. The app answers the early crowd whose keys
    // are new (see purchase.ts) without calling reserve.
    const reservation = newReservation(sale, request, {
      id: this.#ids.next(request.now),
      orderId: this.#ids.next(request.now),
    });
    const saleKeys = definition.keys;
    const keys = this.#keys;
    const probe = definition.shards === 1 ? ONE_SHARD : shardProbeOrder(definition.shards);
    const scriptKeys = [
      saleKeys.sale,
      saleKeys.holdings,
      keys.idempotency(request.userId),
      keys.reservation(reservation.id),
      keys.order(reservation.orderId),
      this.#due,
      saleKeys.reservations,
      this.#events,
    ];
    for (const shard of probe) scriptKeys.push(saleKeys.shards[shard]!);
    const reply = await scripts.reserve.run(this.#purchases, scriptKeys, [
      request.userId,
      request.idempotencyKey,
      request.quantity,
      request.now,
      reservation.id,
      // Stored as the reservation's JSON and sent as its reservation.created event (reservationFromHash
      // leaves the request id out of the reservation).
      JSON.stringify(
        request.requestId === undefined ? reservation : { ...reservation, requestId: request.requestId },
      ),
      reservation.expiresAt,
      sale.id,
      ...probe,
    ]);
    const outcome = reserveReplyToOutcome(reply, sale);
    if (outcome.kind === 'reserved_new') return { kind: 'reserved', reservation, replayed: false };
    if (outcome.kind !== 'previous') return outcome;
    // Reservations are never deleted and their sale and quantity never change.
    const previous = await this.getReservation(outcome.reservationId);
    if (previous === undefined) throw new Error(`redis ledger: reservation ${outcome.reservationId} missing`);
    return decideRetry(sale, request.quantity, previous);
  }

  async getReservation(reservationId: string): Promise<Reservation | undefined> {
    return (await this.#stored(reservationId))?.reservation;
  }

  async findReservationByOrder(orderId: string): Promise<Reservation | undefined> {
    const reservationId = await this.#redis.get(this.#keys.order(orderId));
    return reservationId === null ? undefined : this.getReservation(reservationId);
  }

  async hasUsedKey(userId: string, idempotencyKey: string): Promise<boolean> {
    return (await this.#redis.hexists(this.#keys.idempotency(userId), idempotencyKey)) === 1;
  }

  async settle(reservationId: string, now: number): Promise<SettleResult> {
    for (;;) {
      const reservation = await this.getReservation(reservationId);
      if (reservation === undefined) return { kind: 'not_found' };
      const check = checkPayment(reservation, now);
      if (check !== 'pay') return { kind: check, reservation };
      const paid: Reservation = { ...reservation, state: 'paid', paidAt: now };
      const done = await scripts.settle.run(
        this.#redis,
        [this.#keys.reservation(reservationId), this.#keys.due(), this.#keys.events()],
        [reservationId, now, JSON.stringify(paid)],
      );
      if (done === 1) return { kind: 'paid', reservation: paid };
      // Released or paid meanwhile: decide again on what is stored now.
    }
  }

  async release(reservationId: string, reason: ReleaseReason, now: number): Promise<ReleaseResult> {
    for (;;) {
      const stored = await this.#stored(reservationId);
      if (stored === undefined) return { kind: 'not_found' };
      const { reservation, taken } = stored;
      if (reservation.state !== 'held') return { kind: 'not_held', reservation };
      const released: Reservation = { ...reservation, state: 'released', releaseReason: reason };
      const done = await scripts.release.run(
        this.#redis,
        [
          this.#keys.reservation(reservationId),
          this.#keys.due(),
          this.#keys.events(),
          this.#keys.holdings(reservation.saleId),
          ...taken.map(({ shard }) => this.#keys.stockShard(reservation.saleId, shard)),
        ],
        [
          reservationId,
          reason,
          now,
          JSON.stringify(released),
          reservation.userId,
          reservation.quantity,
          ...taken.map(({ units }) => units),
        ],
      );
      if (done === 1) return { kind: 'released', reservation: released };
    }
  }

  async findExpired(now: number, limit: number): Promise<Reservation[]> {
    const ids = await this.#redis.zrangebyscore(this.#keys.due(), '-inf', now, 'LIMIT', 0, limit);
    const reservations = await Promise.all(ids.map((id) => this.getReservation(id)));
    return reservations.filter((r): r is Reservation => r !== undefined && r.state === 'held');
  }

  async countSale(saleId: string): Promise<LedgerCounts | undefined> {
    const definition = await this.#sales.definition(saleId);
    if (definition === undefined) return undefined;
    const reply = (await scripts.countSale.run(
      this.#redis,
      [definition.keys.reservations, ...definition.keys.shards],
      [this.#keys.reservationPrefix(), definition.sale.perUserLimit],
    )) as [number, number, number, number, number, Array<string | number>];
    const [available, held, paid, released, reservations, over] = reply;
    const usersOverLimit = [];
    for (let i = 0; i < over.length; i += 2) {
      usersOverLimit.push({ userId: String(over[i]), units: Number(over[i + 1]) });
    }
    return { initial: definition.sale.stock, available, held, paid, released, reservations, usersOverLimit };
  }

  async listHoldings(saleId: string): Promise<Holding[]> {
    // The holdings hash (shopper -> units held or paid, kept by reserve.lua and release.lua) read in
    // HSCAN pages: at a sell-out it has one field per winner, tens of thousands, and one HGETALL would
    // hold Redis, and every purchase behind it, for the whole reply. A field seen twice (HSCAN may
    // repeat one) is set twice, not added.
    const key = this.#keys.holdings(saleId);
    const units = new Map<string, number>();
    let cursor = '0';
    do {
      const [next, fields] = await this.#redis.hscan(key, cursor, 'COUNT', HOLDINGS_SLICE);
      for (let i = 0; i < fields.length; i += 2) units.set(fields[i]!, Number(fields[i + 1]));
      cursor = next;
    } while (cursor !== '0');
    const holdings: Holding[] = [];
    for (const [userId, held] of units) if (held > 0) holdings.push({ userId, units: held });
    return holdings;
  }

  async ping(): Promise<boolean> {
    return (await this.#redis.ping()) === 'PONG';
  }

  async #stored(reservationId: string): Promise<StoredReservation | undefined> {
    return reservationFromHash(await this.#redis.hgetall(this.#keys.reservation(reservationId)));
  }
}
