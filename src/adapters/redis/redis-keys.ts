/**
 * Every key the cluster shape keeps in Redis, under one prefix so that
 * deployments (and tests) can share a server. Shard counters carry their own
 * hash tag, the keys a Redis Cluster would spread over its nodes.
 */
export class RedisKeys {
  readonly prefix: string;

  constructor(prefix: string) {
    this.prefix = prefix;
  }

  /** Sorted set of sale ids by creation time. */
  sales(): string {
    return `${this.prefix}sales`;
  }

  /** Hash: the sale's JSON, its window, limit and shard count. */
  sale(saleId: string): string {
    return `${this.prefix}sale:${saleId}`;
  }

  stockShard(saleId: string, shard: number): string {
    return `${this.prefix}stock:{${saleId}:${shard}}`;
  }

  /** Hash: user id -> units held or paid in the sale. */
  holdings(saleId: string): string {
    return `${this.prefix}holdings:${saleId}`;
  }

  /** Set of the sale's reservation ids. */
  saleReservations(saleId: string): string {
    return `${this.prefix}sale-reservations:${saleId}`;
  }

  /** Hash: idempotency key -> reservation id, for one user (a key is the user's, whatever the sale). */
  idempotency(userId: string): string {
    return `${this.prefix}idempotency:${userId}`;
  }

  reservationPrefix(): string {
    return `${this.prefix}reservation:`;
  }

  reservation(reservationId: string): string {
    return `${this.reservationPrefix()}${reservationId}`;
  }

  /** String: order id -> reservation id. */
  order(orderId: string): string {
    return `${this.prefix}order:${orderId}`;
  }

  /** Sorted set of held reservation ids by the end of their payment window. */
  due(): string {
    return `${this.prefix}due`;
  }

  /** The order pipeline's stream. */
  events(): string {
    return `${this.prefix}events`;
  }

  /** Sorted set of events waiting for their retry time. */
  delayedEvents(): string {
    return `${this.prefix}events:delayed`;
  }

  deadLetters(): string {
    return `${this.prefix}events:dead`;
  }

  /** The pub/sub channel on which changes of one order are told (RedisOrderFeed). */
  orderChangesChannel(orderId: string): string {
    return `${this.prefix}order-changes:${orderId}`;
  }

  soldOutChannel(): string {
    return `${this.prefix}sold-out`;
  }
}
