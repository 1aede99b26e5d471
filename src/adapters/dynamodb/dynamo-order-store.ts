import {
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { applyOrderEvent, type OrderEvent, type OrderStatus, type Transition } from '../../domain/order.ts';
import type { Reservation } from '../../domain/reservation.ts';
import type { OrderRecord, OrderStore } from '../../ports/order-store.ts';
import { type Item, isConditionFailure, N, num, S, str } from './attributes.ts';
import { countAll } from './query-pages.ts';
import { ORDERS_INDEX } from './tables.ts';

/**
 * Orders on DynamoDB, one item per order id (and so per reservation): the
 * first event creates it with a conditional put (`attribute_not_exists`), the
 * next ones move its status with a conditional update on the status they read
 * (optimistic concurrency). A redelivered event finds the move already made
 * and changes nothing.
 */
export class DynamoOrderStore implements OrderStore {
  readonly #db: DynamoDBClient;
  readonly #table: string;

  constructor(client: DynamoDBClient, tableName: string) {
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
    const { Item: item } = await this.#db.send(
      new GetItemCommand({ TableName: this.#table, Key: { orderId: S(orderId) }, ConsistentRead: true }),
    );
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

  async #create(r: Reservation, status: OrderStatus, now: number): Promise<void> {
    await this.#db.send(
      new PutItemCommand({
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
      }),
    );
  }

  async #move(orderId: string, from: OrderStatus, to: OrderStatus, now: number): Promise<void> {
    await this.#db.send(
      new UpdateItemCommand({
        TableName: this.#table,
        Key: { orderId: S(orderId) },
        UpdateExpression: 'SET #status = :to, updatedAt = :now',
        ConditionExpression: '#status = :from',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':to': S(to), ':from': S(from), ':now': N(now) },
      }),
    );
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
