import { checkPayment } from '../../domain/order.ts';
import type { ReleaseReason, Reservation } from '../../domain/reservation.ts';
import type { Sale } from '../../domain/sale.ts';
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
import { AbandonedRequests } from './abandoned-requests.ts';
import { nameBasedUuid, S } from './attributes.ts';
import type { DynamoDb } from './dynamo-db.ts';
import { DynamoPurchase } from './dynamo-purchase.ts';
import { DynamoSaleBook } from './dynamo-sale-book.ts';
import { EventOutbox, type Relay } from './event-outbox.ts';
import { IdempotencyClaims } from './idempotency-claims.ts';
import { publicSale } from './ledger-items.ts';
import { LedgerTable } from './ledger-table.ts';
import { ReleaseSteps } from './release-steps.ts';
import { ReservationItems } from './reservation-items.ts';
import { countReservations, holdingsOf } from './sale-counts.ts';
import { ShardedStock } from './sharded-stock.ts';
import { UserHolds } from './user-holds.ts';

export interface DynamoLedgerOptions {
  readonly client: DynamoDb;
  readonly tableName: string;
  /** Stock shards of a new sale (capped at its stock): each item takes ~1,000 writes/s. */
  readonly stockShards: number;
  /** Hands an event to the order pipeline (the SQS queue). */
  readonly relay: Relay;
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
  /** How long the writer that started a release may take to finish it before the sweeper does (wall-clock ms). */
  readonly releaseLeaseMs?: number;
  /** A release was recorded but not finished now (a write failed); the sweeper or a retry finishes it. */
  readonly onUnfinishedRelease?: (error: unknown) => void;
}

/**
 * The stock ledger on DynamoDB, without transactions (hot items conflict
 * under TransactWriteItems, and dynalite has none). A purchase is a chain of
 * single-item conditional writes, each undone by a compensating write when a
 * later one is refused (dynamo-purchase.ts):
 *
 * 1. claim the idempotency key: conditional put `attribute_not_exists` of
 *    `K#<user>#<key>`, naming the reservation id chosen up front
 *    (idempotency-claims.ts);
 * 2. claim the per-user limit: conditional update of `U#<sale>#<user>`
 *    (`units + q <= limit`), recording a hold for this reservation
 *    (user-holds.ts);
 * 3. take the units: the seed's decrement, `SET stock = stock - :val` if
 *    `stock >= :val`, on a random first shard, then on the others
 *    (sharded-stock.ts);
 * 4. write the reservation item `R#<id>`, the durable truth, carrying its
 *    `reservation.created` event as an unsent flag (the outbox;
 *    reservation-items.ts);
 * 5. send the event to SQS and clear the flag. A crash before the flag is
 *    cleared leaves it for the sweeper (`relayUnsentEvents`), so the event is
 *    sent at least once and the consumer ignores duplicates (event-outbox.ts).
 *
 * A refusal at 2 or 3 undoes 1 (and 2). A definite refusal at 4 undoes 3, 2
 * and 1. An ambiguous failure (time-out, 5xx) undoes nothing: the claim stays
 * until its lease runs out and the next request with the key (or the
 * shopper's next limit check) clears it (abandoned-requests.ts). Units a dead
 * request had taken are then kept off sale rather than risked twice: never
 * oversold; the sale audit's I2 check shows them. See docs/aws.md.
 *
 * A release records what it owes (units per shard, the hold) in the same
 * write that marks the reservation released, and each later step can be run
 * again: a release stopped half-way is finished by a retry or the sweeper
 * (release-steps.ts).
 */
export class DynamoStockLedger implements StockLedger {
  readonly #table: LedgerTable;
  readonly #stock: ShardedStock;
  readonly #sales: DynamoSaleBook;
  readonly #holds: UserHolds;
  readonly #reservations: ReservationItems;
  readonly #outbox: EventOutbox;
  readonly #purchase: DynamoPurchase;
  readonly #claims: IdempotencyClaims;

  readonly #releases: ReleaseSteps;

  constructor(options: DynamoLedgerOptions) {
    const table = new LedgerTable(options.client, options.tableName);
    const random = options.random ?? Math.random;
    const wallClock = options.wallClock ?? Date.now;
    this.#table = table;
    this.#stock = new ShardedStock(table, random);
    this.#sales = new DynamoSaleBook(table, this.#stock, options.stockShards);
    this.#holds = new UserHolds(table, wallClock);
    this.#reservations = new ReservationItems(table, random);
    this.#outbox = new EventOutbox(this.#reservations, options.relay, options.onRelayError ?? (() => {}));
    this.#releases = new ReleaseSteps(
      { reservations: this.#reservations, stock: this.#stock, holds: this.#holds, outbox: this.#outbox },
      {
        wallClock,
        leaseMs: options.releaseLeaseMs ?? 15 * 60_000,
        onUnfinished: options.onUnfinishedRelease ?? (() => {}),
      },
    );
    const claims = new IdempotencyClaims(table);
    this.#claims = claims;
    this.#purchase = new DynamoPurchase(
      {
        claims,
        holds: this.#holds,
        stock: this.#stock,
        reservations: this.#reservations,
        outbox: this.#outbox,
        abandoned: new AbandonedRequests(claims, this.#holds, this.#reservations),
      },
      {
        claimLeaseMs: options.claimLeaseMs ?? 30_000,
        claimWaitMs: options.claimWaitMs ?? 3_000,
        random,
        wallClock,
      },
    );
  }

  async openSale(sale: Sale): Promise<void> {
    await this.#sales.open(sale);
  }

  async getSale(saleId: string): Promise<SaleSnapshot | undefined> {
    const sale = await this.#sales.definition(saleId);
    if (sale === undefined) return undefined;
    return { sale: publicSale(sale), available: await this.#stock.available(sale, false) };
  }

  async listSales(): Promise<SaleSnapshot[]> {
    const sales = await this.#sales.list();
    const available = await Promise.all(sales.map((sale) => this.#stock.available(sale, false)));
    return sales.map((sale, i) => ({ sale: publicSale(sale), available: available[i]! }));
  }

  async reserve(request: ReserveRequest): Promise<ReserveResult> {
    const sale = await this.#sales.definition(request.saleId);
    if (sale === undefined) return { kind: 'sale_not_found' };
    return this.#purchase.reserve(sale, request);
  }

  async getReservation(reservationId: string): Promise<Reservation | undefined> {
    return (await this.#reservations.stored(reservationId))?.reservation;
  }

  async findReservationByOrder(orderId: string): Promise<Reservation | undefined> {
    const reservation = await this.getReservation(nameBasedUuid(orderId));
    return reservation?.orderId === orderId ? reservation : undefined;
  }

  async hasUsedKey(userId: string, idempotencyKey: string): Promise<boolean> {
    // A claim without its reservation yet is a purchase under way (or abandoned): reserve settles it.
    return (await this.#claims.get(userId, idempotencyKey)) !== undefined;
  }

  async settle(reservationId: string, now: number): Promise<SettleResult> {
    for (;;) {
      const stored = await this.#reservations.stored(reservationId);
      if (stored === undefined) return { kind: 'not_found' };
      const { reservation } = stored;
      const check = checkPayment(reservation, now);
      if (check !== 'pay') return { kind: check, reservation };
      const paid: Reservation = { ...reservation, state: 'paid', paidAt: now };
      // Changed under us: decide again from the new state.
      if (!(await this.#reservations.markPaid(stored, now))) continue;
      await this.#outbox.send('reservation.paid', paid);
      return { kind: 'paid', reservation: paid };
    }
  }

  async release(reservationId: string, reason: ReleaseReason, now: number): Promise<ReleaseResult> {
    for (;;) {
      const stored = await this.#reservations.stored(reservationId);
      if (stored === undefined) return { kind: 'not_found' };
      const { reservation, takes } = stored;
      if (reservation.state !== 'held') {
        // A retried cancel finishes what a failed one left (if no one else is at it).
        if (stored.unfinishedRelease !== undefined) await this.#releases.resume(reservation.id);
        return { kind: 'not_held', reservation };
      }
      const released: Reservation = { ...reservation, state: 'released', releaseReason: reason };
      const lease = await this.#releases.start(stored, reason, now);
      if (lease === undefined) continue;
      // Recorded: the release stands even if a later step fails now (the sweeper finishes it).
      await this.#releases.finishStarted(released, takes, lease);
      return { kind: 'released', reservation: released };
    }
  }

  findExpired(now: number, limit: number): Promise<Reservation[]> {
    return this.#reservations.expired(now, limit);
  }

  async countSale(saleId: string): Promise<LedgerCounts | undefined> {
    const sale = await this.#sales.definition(saleId);
    if (sale === undefined) return undefined;
    const [available, reservations] = await Promise.all([
      this.#stock.available(sale, true),
      this.#reservations.ofSale(sale),
    ]);
    return countReservations(sale, available, reservations);
  }

  async listHoldings(saleId: string): Promise<Holding[]> {
    const sale = await this.#sales.definition(saleId);
    if (sale === undefined) return [];
    return holdingsOf(await this.#reservations.ofSale(sale));
  }

  async ping(): Promise<boolean> {
    await this.#table.db.send('GetItem', { TableName: this.#table.name, Key: { pk: S('PING') } });
    return true;
  }

  /**
   * The outbox sweeper: finishes releases stopped half-way whose lease ran
   * out or was given up, then sends again every event still flagged unsent
   * on its reservation `graceMs` after it was written (the writer crashed,
   * or SQS refused). Returns how many events it sent.
   */
  async relayUnsentEvents(now: number, graceMs = 10_000, limit = 500): Promise<number> {
    const finished = await this.#releases.resumeUnfinished(now - graceMs, limit);
    return finished + (await this.#outbox.relayUnsent(now, graceMs, limit));
  }
}
