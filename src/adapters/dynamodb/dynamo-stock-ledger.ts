import { randomUUID } from 'node:crypto';
import {
  type AttributeValue,
  BatchGetItemCommand,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { checkPayment } from '../../domain/order.ts';
import { decidePurchase, newReservation } from '../../domain/purchase-decision.ts';
import type { ReleaseReason, Reservation } from '../../domain/reservation.ts';
import type { Sale } from '../../domain/sale.ts';
import { shardProbeOrder, splitStock } from '../../domain/stock-shards.ts';
import type { EventTopic } from '../../ports/event-queue.ts';
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
import {
  type Item,
  isConditionFailure,
  isDefiniteRejection,
  N,
  nameBasedUuid,
  num,
  optNum,
  optStr,
  S,
  str,
} from './attributes.ts';
import { LEDGER_INDEX, SWEEP_BUCKETS } from './tables.ts';

export interface DynamoLedgerOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Stock shards of a new sale (capped at its stock): each item takes ~1,000 writes/s. */
  readonly stockShards: number;
  /** Hands an event to the order pipeline (the SQS queue). */
  readonly relay: (topic: EventTopic, body: string) => Promise<void>;
  /** An event that could not be relayed now; it stays flagged on its reservation for the sweeper. */
  readonly onRelayError?: (error: unknown) => void;
  /** How long a claimed idempotency key belongs to the request that claimed it (wall-clock ms). */
  readonly claimLeaseMs?: number;
  /** How long a request with a key already in progress waits for that one to finish. */
  readonly claimWaitMs?: number;
  /** Chooses the first shard a purchase tries. */
  readonly random?: () => number;
  /** Wall clock for leases (process liveness, not business time). */
  readonly wallClock?: () => number;
}

interface SaleDefinition extends Sale {
  readonly shards: number;
}

interface Claim {
  readonly reservationId: string;
  readonly orderId: string;
  readonly saleId: string;
  readonly quantity: number;
  readonly leaseUntil: number;
}

type Takes = ReadonlyArray<readonly [shard: number, units: number]>;

type TakeResult =
  | { readonly kind: 'taken'; readonly takes: Takes }
  | { readonly kind: 'sold_out' }
  | { readonly kind: 'insufficient_stock'; readonly available: number };

interface StoredReservation {
  readonly reservation: Reservation;
  readonly takes: Takes;
  readonly bucket: number;
}

/** A write DynamoDB refused: nothing of this step was applied, so the steps before it can be undone. */
class NothingTaken extends Error {
  constructor(cause: unknown) {
    super('the store refused the stock update', { cause });
  }
}

const FENCE_MARGIN_MS = 2_000;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * The stock ledger on DynamoDB, without transactions (hot items conflict
 * under TransactWriteItems, and dynalite has none). A purchase is a chain of
 * single-item conditional writes, each undone by a compensating write when a
 * later one is refused:
 *
 * 1. claim the idempotency key: conditional put `attribute_not_exists` of
 *    `K#<user>#<key>`, naming the reservation id chosen up front;
 * 2. claim the per-user limit: conditional update of `U#<sale>#<user>`
 *    (`units + q <= limit`), recording a hold for this reservation;
 * 3. take the units: the seed's decrement, `SET stock = stock - :val` if
 *    `stock >= :val`, on a random first shard, then on the others;
 * 4. write the reservation item `R#<id>`, the durable truth, carrying its
 *    `reservation.created` event as an unsent flag (the outbox);
 * 5. send the event to SQS and clear the flag. A crash before the flag is
 *    cleared leaves it for the sweeper (`relayUnsentEvents`), so the event is
 *    sent at least once and the consumer ignores duplicates.
 *
 * A refusal at 2 or 3 undoes 1 (and 2). A definite refusal at 4 undoes 3, 2
 * and 1. An ambiguous failure (time-out, 5xx) undoes nothing: the claim stays
 * until its lease runs out and the next request with the key (or the
 * shopper's next limit check) clears it. Units a dead request had taken are
 * then kept off sale rather than risked twice: never oversold; the sale
 * audit's I2 check shows them. See docs/aws.md.
 */
export class DynamoStockLedger implements StockLedger {
  readonly #db: DynamoDBClient;
  readonly #table: string;
  readonly #stockShards: number;
  readonly #relay: DynamoLedgerOptions['relay'];
  readonly #onRelayError: (error: unknown) => void;
  readonly #claimLeaseMs: number;
  readonly #claimWaitMs: number;
  readonly #random: () => number;
  readonly #wall: () => number;
  readonly #sales = new Map<string, SaleDefinition>();

  constructor(options: DynamoLedgerOptions) {
    this.#db = options.client;
    this.#table = options.tableName;
    this.#stockShards = options.stockShards;
    this.#relay = options.relay;
    this.#onRelayError = options.onRelayError ?? (() => {});
    this.#claimLeaseMs = options.claimLeaseMs ?? 30_000;
    this.#claimWaitMs = options.claimWaitMs ?? 3_000;
    this.#random = options.random ?? Math.random;
    this.#wall = options.wallClock ?? Date.now;
  }

  async openSale(sale: Sale): Promise<void> {
    const shards = Math.max(1, Math.min(this.#stockShards, sale.stock));
    const units = splitStock(sale.stock, shards);
    // Shards first: a sale is visible only once all of its stock is.
    await Promise.all(
      units.map((stock, n) =>
        this.#db.send(
          new PutItemCommand({
            TableName: this.#table,
            Item: { pk: S(shardKey(sale.id, n)), saleId: S(sale.id), stock: N(stock) },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      ),
    );
    await this.#db.send(
      new PutItemCommand({
        TableName: this.#table,
        Item: saleToItem({ ...sale, shards }),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    this.#remember({ ...sale, shards });
  }

  async getSale(saleId: string): Promise<SaleSnapshot | undefined> {
    const sale = await this.#saleDefinition(saleId);
    if (sale === undefined) return undefined;
    return { sale: publicSale(sale), available: sum(await this.#shardStocks(sale, false)) };
  }

  async listSales(): Promise<SaleSnapshot[]> {
    const { name, partitionKey } = LEDGER_INDEX.sales;
    const items = await this.#queryAll({
      TableName: this.#table,
      IndexName: name,
      KeyConditionExpression: '#p = :sale',
      ExpressionAttributeNames: { '#p': partitionKey },
      ExpressionAttributeValues: { ':sale': S('sale') },
    });
    const sales = items.map(saleFromItem);
    for (const sale of sales) this.#remember(sale);
    const stocks = await Promise.all(sales.map((sale) => this.#shardStocks(sale, false)));
    return sales.map((sale, i) => ({ sale: publicSale(sale), available: sum(stocks[i]!) }));
  }

  async reserve(request: ReserveRequest): Promise<ReserveResult> {
    const sale = await this.#saleDefinition(request.saleId);
    if (sale === undefined) return { kind: 'sale_not_found' };
    // Real elapsed time, whatever clock the leases use.
    const waitUntil = performance.now() + this.#claimWaitMs;
    for (;;) {
      const claim = await this.#getClaim(request.userId, request.idempotencyKey);
      if (claim !== undefined) {
        const answer = await this.#answerFromClaim(claim, sale, request);
        if (answer !== undefined) return answer;
        if (performance.now() > waitUntil) {
          throw new Error('an earlier request with this idempotency key is still in progress');
        }
        await sleep(10 + this.#random() * 20);
        continue;
      }
      const decide = async () =>
        decidePurchase({
          sale,
          now: request.now,
          quantity: request.quantity,
          available: MAX_SAFE,
          userHolding: await this.#holding(sale.id, request.userId),
          previous: undefined,
        });
      let decision = await decide();
      // Units held by requests that died count until someone clears them: this shopper, now.
      if (
        decision.kind === 'limit_exceeded' &&
        (await this.#reapAbandonedHolds(sale.id, request.userId)) > 0
      ) {
        decision = await decide();
      }
      if (decision.kind !== 'reserve') return decision;
      const orderId = randomUUID();
      const claimed: Claim = {
        reservationId: nameBasedUuid(orderId),
        orderId,
        saleId: sale.id,
        quantity: request.quantity,
        leaseUntil: this.#wall() + this.#claimLeaseMs,
      };
      if (await this.#putClaim(request, claimed)) return this.#reserveClaimed(sale, request, claimed);
    }
  }

  async getReservation(reservationId: string): Promise<Reservation | undefined> {
    return (await this.#stored(reservationId))?.reservation;
  }

  async findReservationByOrder(orderId: string): Promise<Reservation | undefined> {
    const reservation = await this.getReservation(nameBasedUuid(orderId));
    return reservation?.orderId === orderId ? reservation : undefined;
  }

  async settle(reservationId: string, now: number): Promise<SettleResult> {
    for (;;) {
      const stored = await this.#stored(reservationId);
      if (stored === undefined) return { kind: 'not_found' };
      const { reservation, bucket } = stored;
      const check = checkPayment(reservation, now);
      if (check !== 'pay') return { kind: check, reservation };
      const paid: Reservation = { ...reservation, state: 'paid', paidAt: now };
      try {
        await this.#db.send(
          new UpdateItemCommand({
            TableName: this.#table,
            Key: { pk: S(reservationKey(reservationId)) },
            UpdateExpression:
              'SET #state = :paid, paidAt = :now, pendingEvent = :topic, outboxBucket = :bucket, outboxAt = :now REMOVE dueBucket, dueAt',
            ConditionExpression: '#state = :held AND expiresAt > :now',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: {
              ':paid': S('paid'),
              ':held': S('held'),
              ':now': N(now),
              ':topic': S('reservation.paid'),
              ':bucket': S(outboxBucket(bucket)),
            },
          }),
        );
      } catch (error) {
        if (isConditionFailure(error)) continue; // changed under us: decide again from the new state
        throw error;
      }
      await this.#send('reservation.paid', paid);
      return { kind: 'paid', reservation: paid };
    }
  }

  async release(reservationId: string, reason: ReleaseReason, now: number): Promise<ReleaseResult> {
    for (;;) {
      const stored = await this.#stored(reservationId);
      if (stored === undefined) return { kind: 'not_found' };
      const { reservation, takes, bucket } = stored;
      if (reservation.state !== 'held') return { kind: 'not_held', reservation };
      const released: Reservation = { ...reservation, state: 'released', releaseReason: reason };
      try {
        await this.#db.send(
          new UpdateItemCommand({
            TableName: this.#table,
            Key: { pk: S(reservationKey(reservationId)) },
            UpdateExpression:
              'SET #state = :released, releaseReason = :reason, releasedAt = :now, pendingEvent = :topic, outboxBucket = :bucket, outboxAt = :now REMOVE dueBucket, dueAt',
            ConditionExpression: '#state = :held',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: {
              ':released': S('released'),
              ':held': S('held'),
              ':reason': S(reason),
              ':now': N(now),
              ':topic': S('reservation.released'),
              ':bucket': S(outboxBucket(bucket)),
            },
          }),
        );
      } catch (error) {
        if (isConditionFailure(error)) continue;
        throw error;
      }
      // Only the caller whose conditional update won gets here: the units go back exactly once.
      await this.#giveBack(reservation.saleId, takes);
      await this.#releaseHold(reservation.saleId, reservation.userId, reservation.id, reservation.quantity);
      await this.#send('reservation.released', released);
      return { kind: 'released', reservation: released };
    }
  }

  async findExpired(now: number, limit: number): Promise<Reservation[]> {
    const { name, partitionKey, sortKey } = LEDGER_INDEX.due;
    const pages = await Promise.all(
      Array.from({ length: SWEEP_BUCKETS }, (_, k) =>
        this.#db.send(
          new QueryCommand({
            TableName: this.#table,
            IndexName: name,
            KeyConditionExpression: '#b = :bucket AND #at <= :now',
            ExpressionAttributeNames: { '#b': partitionKey, '#at': sortKey },
            ExpressionAttributeValues: { ':bucket': S(dueBucket(k)), ':now': N(now) },
            Limit: limit,
          }),
        ),
      ),
    );
    return pages
      .flatMap((page) => (page.Items ?? []).map(reservationFromItem))
      .filter((r) => r.state === 'held')
      .sort((a, b) => a.expiresAt - b.expiresAt || a.id.localeCompare(b.id))
      .slice(0, limit);
  }

  /** The sale's reservation items, one query per shard of the `bySale` index. */
  #reservationsOf(sale: SaleDefinition): Promise<Item[][]> {
    const { name, partitionKey } = LEDGER_INDEX.bySale;
    return Promise.all(
      Array.from({ length: sale.shards }, (_, n) =>
        this.#queryAll({
          TableName: this.#table,
          IndexName: name,
          KeyConditionExpression: '#p = :shard',
          ExpressionAttributeNames: { '#p': partitionKey },
          ExpressionAttributeValues: { ':shard': S(`${sale.id}#${n}`) },
        }),
      ),
    );
  }

  async countSale(saleId: string): Promise<LedgerCounts | undefined> {
    const sale = await this.#saleDefinition(saleId);
    if (sale === undefined) return undefined;
    const [stocks, perShard] = await Promise.all([this.#shardStocks(sale, true), this.#reservationsOf(sale)]);
    const counts = { held: 0, paid: 0, released: 0, reservations: 0 };
    const owned = new Map<string, number>();
    for (const item of perShard.flat()) {
      const r = reservationFromItem(item);
      counts[r.state] += r.quantity;
      counts.reservations++;
      if (r.state !== 'released') owned.set(r.userId, (owned.get(r.userId) ?? 0) + r.quantity);
    }
    return {
      initial: sale.stock,
      available: sum(stocks as number[]),
      ...counts,
      usersOverLimit: [...owned]
        .filter(([, units]) => units > sale.perUserLimit)
        .map(([userId, units]) => ({ userId, units })),
    };
  }

  async listHoldings(saleId: string): Promise<Holding[]> {
    const sale = await this.#saleDefinition(saleId);
    if (sale === undefined) return [];
    const holdings = new Map<string, { units: number; idempotencyKeys: string[] }>();
    for (const item of (await this.#reservationsOf(sale)).flat()) {
      const r = reservationFromItem(item);
      if (r.state === 'released') continue;
      const holding = holdings.get(r.userId) ?? { units: 0, idempotencyKeys: [] };
      holding.units += r.quantity;
      holding.idempotencyKeys.push(r.idempotencyKey);
      holdings.set(r.userId, holding);
    }
    return [...holdings].map(([userId, holding]) => ({ userId, ...holding }));
  }

  async ping(): Promise<boolean> {
    await this.#db.send(new GetItemCommand({ TableName: this.#table, Key: { pk: S('PING') } }));
    return true;
  }

  /**
   * The outbox sweeper: sends again every event still flagged unsent on its
   * reservation `graceMs` after it was written (the writer crashed, or SQS
   * refused). Returns how many it sent.
   */
  async relayUnsentEvents(now: number, graceMs = 10_000, limit = 500): Promise<number> {
    const { name, partitionKey, sortKey } = LEDGER_INDEX.outbox;
    const pages = await Promise.all(
      Array.from({ length: SWEEP_BUCKETS }, (_, k) =>
        this.#db.send(
          new QueryCommand({
            TableName: this.#table,
            IndexName: name,
            KeyConditionExpression: '#b = :bucket AND #at <= :cutoff',
            ExpressionAttributeNames: { '#b': partitionKey, '#at': sortKey },
            ExpressionAttributeValues: { ':bucket': S(outboxBucket(k)), ':cutoff': N(now - graceMs) },
            Limit: limit,
          }),
        ),
      ),
    );
    let sent = 0;
    for (const item of pages.flatMap((page) => page.Items ?? []).slice(0, limit)) {
      const topic = optStr(item, 'pendingEvent') as EventTopic | null;
      if (topic === null) continue;
      await this.#relay(topic, JSON.stringify(reservationFromItem(item)));
      await this.#clearPending(str(item, 'id'), topic);
      sent++;
    }
    return sent;
  }

  // ---- purchase steps ----

  async #reserveClaimed(sale: SaleDefinition, request: ReserveRequest, claim: Claim): Promise<ReserveResult> {
    const { reservationId } = claim;
    const { userId, quantity } = request;
    const alreadyHeld = await this.#takeHold(sale, userId, claim);
    if (alreadyHeld !== undefined) {
      await this.#deleteClaim(request, reservationId);
      return { kind: 'limit_exceeded', limit: sale.perUserLimit, alreadyHeld };
    }
    let taken: TakeResult;
    try {
      taken = await this.#takeStock(sale, quantity);
    } catch (error) {
      if (error instanceof NothingTaken) await this.#undoClaim(sale.id, request, claim);
      throw error;
    }
    if (taken.kind !== 'taken') {
      await this.#undoClaim(sale.id, request, claim);
      return taken;
    }
    if (this.#wall() > claim.leaseUntil - FENCE_MARGIN_MS) {
      // Too slow: someone may already be clearing this claim as abandoned. Undo rather than race it.
      await this.#giveBack(sale.id, taken.takes);
      await this.#undoClaim(sale.id, request, claim);
      throw new Error('reservation took longer than its claim lease');
    }
    const reservation = newReservation(
      sale,
      { ...request, userId, quantity },
      { id: reservationId, orderId: claim.orderId },
    );
    try {
      await this.#putReservation(reservation, taken.takes);
    } catch (error) {
      if (isDefiniteRejection(error) && !isConditionFailure(error)) {
        await this.#giveBack(sale.id, taken.takes);
        await this.#undoClaim(sale.id, request, claim);
      }
      throw error;
    }
    await this.#send('reservation.created', reservation);
    return { kind: 'reserved', reservation, replayed: false };
  }

  /** Answers from an existing claim, clears an abandoned one, or returns undefined to wait and look again. */
  async #answerFromClaim(
    claim: Claim,
    sale: SaleDefinition,
    request: ReserveRequest,
  ): Promise<ReserveResult | undefined> {
    const previous = await this.getReservation(claim.reservationId);
    if (previous !== undefined) {
      const decision = decidePurchase({
        sale,
        now: request.now,
        quantity: request.quantity,
        available: MAX_SAFE,
        userHolding: 0,
        previous,
      });
      if (decision.kind === 'reserve') throw new Error('unreachable: a previous reservation decides');
      return decision;
    }
    if (this.#wall() < claim.leaseUntil) return undefined;
    // The request that claimed the key died before writing its reservation.
    await this.#releaseHold(claim.saleId, request.userId, claim.reservationId, claim.quantity);
    await this.#deleteClaim(request, claim.reservationId);
    return undefined;
  }

  async #getClaim(userId: string, key: string): Promise<Claim | undefined> {
    const { Item: item } = await this.#db.send(
      new GetItemCommand({
        TableName: this.#table,
        Key: { pk: S(claimKey(userId, key)) },
        ConsistentRead: true,
      }),
    );
    if (item === undefined) return undefined;
    return {
      reservationId: str(item, 'reservationId'),
      orderId: str(item, 'orderId'),
      saleId: str(item, 'saleId'),
      quantity: num(item, 'quantity'),
      leaseUntil: num(item, 'leaseUntil'),
    };
  }

  async #putClaim(request: ReserveRequest, claim: Claim): Promise<boolean> {
    try {
      await this.#db.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: {
            pk: S(claimKey(request.userId, request.idempotencyKey)),
            reservationId: S(claim.reservationId),
            orderId: S(claim.orderId),
            saleId: S(claim.saleId),
            quantity: N(claim.quantity),
            leaseUntil: N(claim.leaseUntil),
            createdAt: N(request.now),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async #deleteClaim(request: ReserveRequest, reservationId: string): Promise<void> {
    await ignoreConditionFailure(
      this.#db.send(
        new DeleteItemCommand({
          TableName: this.#table,
          Key: { pk: S(claimKey(request.userId, request.idempotencyKey)) },
          ConditionExpression: 'reservationId = :rid',
          ExpressionAttributeValues: { ':rid': S(reservationId) },
        }),
      ),
    );
  }

  async #undoClaim(saleId: string, request: ReserveRequest, claim: Claim): Promise<void> {
    await this.#releaseHold(saleId, request.userId, claim.reservationId, claim.quantity);
    await this.#deleteClaim(request, claim.reservationId);
  }

  async #holding(saleId: string, userId: string): Promise<number> {
    const { Item: item } = await this.#db.send(
      new GetItemCommand({
        TableName: this.#table,
        Key: { pk: S(userKey(saleId, userId)) },
        ConsistentRead: true,
        ProjectionExpression: 'units',
      }),
    );
    return item === undefined ? 0 : (optNum(item, 'units') ?? 0);
  }

  /** Adds this reservation's units to the shopper's count if the limit allows; else returns what they hold. */
  async #takeHold(sale: SaleDefinition, userId: string, claim: Claim): Promise<number | undefined> {
    for (let round = 0; round < 2; round++) {
      try {
        await this.#db.send(
          new UpdateItemCommand({
            TableName: this.#table,
            Key: { pk: S(userKey(sale.id, userId)) },
            UpdateExpression: 'SET units = if_not_exists(units, :zero) + :q, #hold = :hold',
            ConditionExpression:
              'attribute_not_exists(#hold) AND (attribute_not_exists(units) OR units <= :max)',
            ExpressionAttributeNames: { '#hold': holdName(claim.reservationId) },
            ExpressionAttributeValues: {
              ':zero': N(0),
              ':q': N(claim.quantity),
              ':max': N(sale.perUserLimit - claim.quantity),
              ':hold': { M: { q: N(claim.quantity), until: N(claim.leaseUntil) } },
            },
          }),
        );
        return undefined;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      const reaped = await this.#reapAbandonedHolds(sale.id, userId);
      if (reaped === 0) break;
    }
    return this.#holding(sale.id, userId);
  }

  /**
   * Holds whose request died before writing its reservation (lease over, no
   * reservation item) would keep the shopper under the limit forever: give
   * them back. Returns how many it released.
   */
  async #reapAbandonedHolds(saleId: string, userId: string): Promise<number> {
    const { Item: item } = await this.#db.send(
      new GetItemCommand({
        TableName: this.#table,
        Key: { pk: S(userKey(saleId, userId)) },
        ConsistentRead: true,
      }),
    );
    if (item === undefined) return 0;
    const now = this.#wall();
    const expired = Object.entries(item)
      .filter(([name, value]) => name.startsWith('h:') && Number(value.M?.until?.N ?? MAX_SAFE) < now)
      .map(([name, value]) => ({ reservationId: name.slice(2), quantity: Number(value.M?.q?.N ?? 0) }));
    const outcomes = await Promise.all(
      expired.map(async (hold) => {
        if ((await this.#stored(hold.reservationId)) !== undefined) {
          // Its reservation exists: mark the hold confirmed so it is never looked at again.
          await this.#confirmHold(saleId, userId, hold.reservationId);
          return false;
        }
        return this.#releaseHold(saleId, userId, hold.reservationId, hold.quantity);
      }),
    );
    return outcomes.filter(Boolean).length;
  }

  async #confirmHold(saleId: string, userId: string, reservationId: string): Promise<void> {
    await ignoreConditionFailure(
      this.#db.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: { pk: S(userKey(saleId, userId)) },
          UpdateExpression: 'SET #hold.#until = :never',
          ConditionExpression: 'attribute_exists(#hold)',
          ExpressionAttributeNames: { '#hold': holdName(reservationId), '#until': 'until' },
          ExpressionAttributeValues: { ':never': N(MAX_SAFE) },
        }),
      ),
    );
  }

  /** Removes a reservation's hold, exactly once (conditional on the hold). */
  async #releaseHold(
    saleId: string,
    userId: string,
    reservationId: string,
    quantity: number,
  ): Promise<boolean> {
    return ignoreConditionFailure(
      this.#db.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: { pk: S(userKey(saleId, userId)) },
          UpdateExpression: 'SET units = units - :q REMOVE #hold',
          ConditionExpression: 'attribute_exists(#hold)',
          ExpressionAttributeNames: { '#hold': holdName(reservationId) },
          ExpressionAttributeValues: { ':q': N(quantity) },
        }),
      ),
    );
  }

  /**
   * Takes `quantity` units: whole from one shard (random first, then the
   * others), else gathered over several. Sold out only when every shard
   * refused and a consistent read finds them all empty.
   */
  async #takeStock(sale: SaleDefinition, quantity: number): Promise<TakeResult> {
    const order = shardProbeOrder(sale.shards, this.#random);
    for (const n of order) {
      if (await this.#decrementOrNothing(sale.id, n, quantity, []))
        return { kind: 'taken', takes: [[n, quantity]] };
    }
    for (let round = 0; round < 3; round++) {
      const stocks = await this.#shardStocks(sale, true);
      const total = sum(stocks);
      if (total === 0) return { kind: 'sold_out' };
      if (total < quantity) return { kind: 'insufficient_stock', available: total };
      // Enough units, spread thin: gather them shard by shard.
      const takes: Array<[number, number]> = [];
      let remaining = quantity;
      for (const n of order) {
        const want = Math.min(stocks[n]!, remaining);
        if (want === 0) continue;
        if (await this.#decrementOrNothing(sale.id, n, want, takes)) {
          takes.push([n, want]);
          remaining -= want;
          if (remaining === 0) return { kind: 'taken', takes };
        }
      }
      await this.#giveBack(sale.id, takes); // others were faster: put back what we gathered and look again
    }
    const left = sum(await this.#shardStocks(sale, true));
    return left === 0 ? { kind: 'sold_out' } : { kind: 'insufficient_stock', available: left };
  }

  /** The seed's decrement, exactly. False when the shard has too few units. */
  async #decrementOrNothing(
    saleId: string,
    shard: number,
    units: number,
    takenSoFar: Takes,
  ): Promise<boolean> {
    try {
      await this.#db.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: { pk: S(shardKey(saleId, shard)) },
          UpdateExpression: 'SET stock = stock - :val',
          ConditionExpression: 'stock >= :val',
          ExpressionAttributeValues: { ':val': N(units) },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      if (isDefiniteRejection(error)) {
        await this.#giveBack(saleId, takenSoFar);
        throw new NothingTaken(error);
      }
      throw error;
    }
  }

  async #giveBack(saleId: string, takes: Takes): Promise<void> {
    await Promise.all(
      takes.map(([shard, units]) =>
        this.#db.send(
          new UpdateItemCommand({
            TableName: this.#table,
            Key: { pk: S(shardKey(saleId, shard)) },
            UpdateExpression: 'SET stock = stock + :val',
            ExpressionAttributeValues: { ':val': N(units) },
          }),
        ),
      ),
    );
  }

  async #putReservation(reservation: Reservation, takes: Takes): Promise<void> {
    const bucket = Math.floor(this.#random() * SWEEP_BUCKETS);
    const item = reservationToItem(reservation, takes, bucket);
    item.pendingEvent = S('reservation.created');
    item.outboxBucket = S(outboxBucket(bucket));
    item.outboxAt = N(reservation.createdAt);
    try {
      await this.#db.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      // A retried put whose first attempt had landed: the reservation is there, which is all we wanted.
      if (isConditionFailure(error) && (await this.getReservation(reservation.id)) !== undefined) return;
      throw error;
    }
  }

  /** Relays a stored event now; on failure it stays flagged for the sweeper. */
  async #send(topic: EventTopic, reservation: Reservation): Promise<void> {
    try {
      await this.#relay(topic, JSON.stringify(reservation));
      await this.#clearPending(reservation.id, topic);
    } catch (error) {
      this.#onRelayError(error);
    }
  }

  async #clearPending(reservationId: string, topic: EventTopic): Promise<void> {
    await ignoreConditionFailure(
      this.#db.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: { pk: S(reservationKey(reservationId)) },
          UpdateExpression: 'REMOVE pendingEvent, outboxBucket, outboxAt',
          ConditionExpression: 'pendingEvent = :topic',
          ExpressionAttributeValues: { ':topic': S(topic) },
        }),
      ),
    );
  }

  // ---- reads ----

  async #stored(reservationId: string): Promise<StoredReservation | undefined> {
    const { Item: item } = await this.#db.send(
      new GetItemCommand({
        TableName: this.#table,
        Key: { pk: S(reservationKey(reservationId)) },
        ConsistentRead: true,
      }),
    );
    if (item === undefined) return undefined;
    return {
      reservation: reservationFromItem(item),
      takes: takesFromItem(item),
      bucket: num(item, 'bucket'),
    };
  }

  async #saleDefinition(saleId: string): Promise<SaleDefinition | undefined> {
    const cached = this.#sales.get(saleId);
    if (cached !== undefined) return cached;
    const { Item: item } = await this.#db.send(
      new GetItemCommand({ TableName: this.#table, Key: { pk: S(saleKey(saleId)) }, ConsistentRead: true }),
    );
    if (item === undefined) return undefined;
    const sale = saleFromItem(item);
    this.#remember(sale);
    return sale;
  }

  /** Sales never change once opened, so every process may keep them. */
  #remember(sale: SaleDefinition): void {
    if (this.#sales.size >= 10_000) this.#sales.clear();
    this.#sales.set(sale.id, sale);
  }

  async #shardStocks(sale: SaleDefinition, consistent: boolean): Promise<number[]> {
    const stocks = new Array<number>(sale.shards).fill(0);
    let keys: Array<Record<string, AttributeValue>> = Array.from({ length: sale.shards }, (_, n) => ({
      pk: S(shardKey(sale.id, n)),
    }));
    while (keys.length > 0) {
      const result = await this.#db.send(
        new BatchGetItemCommand({
          RequestItems: { [this.#table]: { Keys: keys, ConsistentRead: consistent } },
        }),
      );
      for (const item of result.Responses?.[this.#table] ?? []) {
        const n = Number(str(item, 'pk').slice(str(item, 'pk').lastIndexOf('#') + 1));
        stocks[n] = num(item, 'stock');
      }
      keys = result.UnprocessedKeys?.[this.#table]?.Keys ?? [];
    }
    return stocks;
  }

  async #queryAll(input: QueryCommandInput): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const page = await this.#db.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return items;
  }
}

// ---- keys and items ----

const saleKey = (saleId: string) => `S#${saleId}`;
const shardKey = (saleId: string, n: number) => `S#${saleId}#${n}`;
const userKey = (saleId: string, userId: string) => `U#${saleId}#${userId}`;
const claimKey = (userId: string, key: string) => `K#${userId}#${key}`;
const reservationKey = (reservationId: string) => `R#${reservationId}`;
const holdName = (reservationId: string) => `h:${reservationId}`;
const dueBucket = (k: number) => `E#${k}`;
const outboxBucket = (k: number) => `X#${k}`;

function saleToItem(sale: SaleDefinition): Item {
  return {
    pk: S(saleKey(sale.id)),
    saleList: S('sale'),
    id: S(sale.id),
    sku: S(sale.sku),
    name: S(sale.name),
    stock: N(sale.stock),
    startsAt: N(sale.startsAt),
    endsAt: N(sale.endsAt),
    perUserLimit: N(sale.perUserLimit),
    priceCents: N(sale.priceCents),
    currency: S(sale.currency),
    paymentWindowSeconds: N(sale.paymentWindowSeconds),
    createdAt: N(sale.createdAt),
    shards: N(sale.shards),
  };
}

function saleFromItem(item: Item): SaleDefinition {
  return {
    id: str(item, 'id'),
    sku: str(item, 'sku'),
    name: str(item, 'name'),
    stock: num(item, 'stock'),
    startsAt: num(item, 'startsAt'),
    endsAt: num(item, 'endsAt'),
    perUserLimit: num(item, 'perUserLimit'),
    priceCents: num(item, 'priceCents'),
    currency: str(item, 'currency'),
    paymentWindowSeconds: num(item, 'paymentWindowSeconds'),
    createdAt: num(item, 'createdAt'),
    shards: num(item, 'shards'),
  };
}

function publicSale({ shards: _shards, ...sale }: SaleDefinition): Sale {
  return sale;
}

function reservationToItem(r: Reservation, takes: Takes, bucket: number): Item {
  const item: Item = {
    pk: S(reservationKey(r.id)),
    id: S(r.id),
    orderId: S(r.orderId),
    saleId: S(r.saleId),
    userId: S(r.userId),
    quantity: N(r.quantity),
    idempotencyKey: S(r.idempotencyKey),
    amountCents: N(r.amountCents),
    currency: S(r.currency),
    state: S(r.state),
    createdAt: N(r.createdAt),
    expiresAt: N(r.expiresAt),
    takes: { M: Object.fromEntries(takes.map(([shard, units]) => [String(shard), N(units)])) },
    bucket: N(bucket),
    saleShard: S(`${r.saleId}#${takes[0]![0]}`),
  };
  if (r.state === 'held') {
    item.dueBucket = S(dueBucket(bucket));
    item.dueAt = N(r.expiresAt);
  }
  return item;
}

function reservationFromItem(item: Item): Reservation {
  return {
    id: str(item, 'id'),
    orderId: str(item, 'orderId'),
    saleId: str(item, 'saleId'),
    userId: str(item, 'userId'),
    quantity: num(item, 'quantity'),
    idempotencyKey: str(item, 'idempotencyKey'),
    amountCents: num(item, 'amountCents'),
    currency: str(item, 'currency'),
    state: str(item, 'state') as Reservation['state'],
    releaseReason: optStr(item, 'releaseReason') as ReleaseReason | null,
    createdAt: num(item, 'createdAt'),
    expiresAt: num(item, 'expiresAt'),
    paidAt: optNum(item, 'paidAt'),
  };
}

function takesFromItem(item: Item): Takes {
  return Object.entries(item.takes?.M ?? {}).map(
    ([shard, units]) => [Number(shard), Number(units.N)] as const,
  );
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs a conditional write; true if it applied, false if its condition was false. */
async function ignoreConditionFailure(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}
