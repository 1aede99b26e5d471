import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { ReleaseReason, Reservation } from '../../domain/reservation.ts';
import type { Sale } from '../../domain/sale.ts';
import { type Item, N, num, optNum, optStr, S, str } from './attributes.ts';
import { dueBucket, reservationKey, saleKey, saleShardKey } from './ledger-keys.ts';

/** A sale as opened, with the number of shard items its stock is split over. */
export interface SaleDefinition extends Sale {
  readonly shards: number;
}

/** Where a reservation's units were taken: shard number and units, one pair per shard. */
export type Takes = ReadonlyArray<readonly [shard: number, units: number]>;

/**
 * What a release has still to do, recorded on the reservation (`restock`) by
 * the write that marks it released: the units owed to each shard (0 once
 * given back, while the shard's mark is still on); the shopper's hold is
 * dropped last, before `restock` goes. Absent once the release is finished.
 */
export interface UnfinishedRelease {
  readonly owed: Takes;
  /** Wall-clock ms until which the writer that started it may still be finishing it. */
  readonly leaseUntil: number;
}

/** A reservation item as read back: the reservation, where its units came from, its sweep bucket. */
export interface StoredReservation {
  readonly reservation: Reservation;
  readonly takes: Takes;
  readonly bucket: number;
  readonly unfinishedRelease: UnfinishedRelease | undefined;
}

export function takesToMap(takes: Takes): AttributeValue {
  return { M: Object.fromEntries(takes.map(([shard, units]) => [String(shard), N(units)])) };
}

function takesFromMap(value: AttributeValue | undefined): Takes {
  return Object.entries(value?.M ?? {}).map(([shard, units]) => [Number(shard), Number(units.N)] as const);
}

export function saleToItem(sale: SaleDefinition): Item {
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
    purchaseToken: { BOOL: sale.purchaseToken },
    createdAt: N(sale.createdAt),
    shards: N(sale.shards),
  };
}

export function saleFromItem(item: Item): SaleDefinition {
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
    // Absent on sales written before purchase tokens existed: they need none.
    purchaseToken: item.purchaseToken?.BOOL === true,
    createdAt: num(item, 'createdAt'),
    shards: num(item, 'shards'),
  };
}

/** The sale as the port shows it: the shard count is the ledger's business. */
export function publicSale({ shards: _shards, ...sale }: SaleDefinition): Sale {
  return sale;
}

/** A reservation item; a held one also goes on the `due` index under its payment deadline. */
export function reservationToItem(r: Reservation, takes: Takes, bucket: number): Item {
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
    takes: takesToMap(takes),
    bucket: N(bucket),
    saleShard: S(saleShardKey(r.saleId, takes[0]![0])),
  };
  if (r.state === 'held') {
    item.dueBucket = S(dueBucket(bucket));
    item.dueAt = N(r.expiresAt);
  }
  return item;
}

export function reservationFromItem(item: Item): Reservation {
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

export function storedReservationFromItem(item: Item): StoredReservation {
  return {
    reservation: reservationFromItem(item),
    takes: takesFromMap(item.takes),
    bucket: num(item, 'bucket'),
    unfinishedRelease:
      item.restock === undefined
        ? undefined
        : {
            owed: takesFromMap(item.restock),
            leaseUntil: optNum(item, 'releaseLeaseUntil') ?? 0,
          },
  };
}
