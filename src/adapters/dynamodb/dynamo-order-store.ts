import { applyOrderEvent, type OrderEvent, type OrderStatus, type Transition } from '../../domain/order.ts';
import type { Reservation } from '../../domain/reservation.ts';
import {
  type OrderRecord,
  type OrderStatusCounts,
  type OrderStore,
  tallyStatuses,
} from '../../ports/order-store.ts';
import { type Item, isConditionFailure, N, num, S, str } from './attributes.ts';
import type { DynamoDb, DynamoDbOperations } from './dynamo-db.ts';
import { countAll, queryAll } from './query-pages.ts';
import { ORDERS_INDEX } from './tables.ts';

/**
 * Orders on DynamoDB, one item per order id (and so per reservation): the
 * first event creates it with a conditional put (`attribute_not_exists`), the
 * next ones move its status with a conditional update on the status they read
 * (optimistic concurrency). A redelivered event finds the move already made
 * and changes nothing.
 */
export class DynamoOrderStore implements OrderStore {
  readonly #db: DynamoDb;
  readonly #table: string;

  constructor(client: DynamoDb, tableName: string) {
    this.#db = client;
    this.#table = tableName;
  }

  async apply(reservation: Reservation, event: OrderEvent, now: number): Promise<Transition> {
    for (;;) {
      const current = await this.get(reservation.orderId);
      const transition = applyOrderEvent(current?.status ?? 'pending', event);
      if (transition.kind !== 'move') return transition;
      try {
        if (current === undefined) await this.#create(reservation, transition.to, now);
        else await this.#move(reservation.orderId, current.status, transition.to, now);
        return transition;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // Another delivery got there first: read again and decide again.
      }
    }
  }

  async get(orderId: string): Promise<OrderRecord | undefined> {
    const { Item: item } = await this.#db.send('GetItem', {
      TableName: this.#table,
      Key: { orderId: S(orderId) },
      ConsistentRead: true,
    });
    return item === undefined ? undefined : orderFromItem(item);
  }

  async countForSale(saleId: string): Promise<number> {
    const { name, partitionKey } = ORDERS_INDEX.bySale;
    return countAll(this.#db, {
      TableName: this.#table,
      IndexName: name,
      KeyConditionExpression: '#sale = :sale',
      ExpressionAttributeNames: { '#sale': partitionKey },
      ExpressionAttributeValues: { ':sale': S(saleId) },
    });
  }

  /**
   * The sale's index holds keys only, so the statuses are read from the
   * orders themselves, 100 a call: a read of every order of the sale, meant
   * for an operator's view, not for a request path.
   */
  async countByStatus(saleId: string): Promise<OrderStatusCounts> {
    const { name, partitionKey } = ORDERS_INDEX.bySale;
    const keys = await queryAll(this.#db, {
      TableName: this.#table,
      IndexName: name,
      KeyConditionExpression: '#sale = :sale',
      ExpressionAttributeNames: { '#sale': partitionKey },
      ExpressionAttributeValues: { ':sale': S(saleId) },
    });
    const tally = new Map<string, number>();
    for (let i = 0; i < keys.length; i += 100) {
      let wanted: Item[] | undefined = keys.slice(i, i + 100).map((key) => ({ orderId: key.orderId! }));
      while (wanted !== undefined && wanted.length > 0) {
        const reply: DynamoDbOperations['BatchGetItem']['output'] = await this.#db.send('BatchGetItem', {
          RequestItems: {
            [this.#table]: {
              Keys: wanted,
              ProjectionExpression: '#status',
              ExpressionAttributeNames: { '#status': 'status' },
              ConsistentRead: true,
            },
          },
        });
        for (const item of reply.Responses?.[this.#table] ?? []) {
          const status = str(item, 'status');
          tally.set(status, (tally.get(status) ?? 0) + 1);
        }
        wanted = reply.UnprocessedKeys?.[this.#table]?.Keys;
      }
    }
    return tallyStatuses(tally);
  }

  async #create(r: Reservation, status: OrderStatus, now: number): Promise<void> {
    await this.#db.send('PutItem', {
      TableName: this.#table,
      Item: {
        orderId: S(r.orderId),
        reservationId: S(r.id),
        saleId: S(r.saleId),
        userId: S(r.userId),
        quantity: N(r.quantity),
        amountCents: N(r.amountCents),
        currency: S(r.currency),
        status: S(status),
        createdAt: N(now),
        updatedAt: N(now),
      },
      ConditionExpression: 'attribute_not_exists(orderId)',
    });
  }

  async #move(orderId: string, from: OrderStatus, to: OrderStatus, now: number): Promise<void> {
    await this.#db.send('UpdateItem', {
      TableName: this.#table,
      Key: { orderId: S(orderId) },
      UpdateExpression: 'SET #status = :to, updatedAt = :now',
      ConditionExpression: '#status = :from',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':to': S(to), ':from': S(from), ':now': N(now) },
    });
  }
}

function orderFromItem(item: Item): OrderRecord {
  return {
    id: str(item, 'orderId'),
    reservationId: str(item, 'reservationId'),
    saleId: str(item, 'saleId'),
    userId: str(item, 'userId'),
    quantity: num(item, 'quantity'),
    amountCents: num(item, 'amountCents'),
    currency: str(item, 'currency'),
    status: str(item, 'status') as OrderStatus,
    createdAt: num(item, 'createdAt'),
    updatedAt: num(item, 'updatedAt'),
  };
}
