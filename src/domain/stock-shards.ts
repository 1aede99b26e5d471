/**
 * A hot sale's stock split over several counters (Redis keys, DynamoDB items)
 * so that no single one takes every write. Pure arithmetic: which shard holds
 * how many units, and in which order a purchase tries them.
 */

export const MAX_STOCK_SHARDS = 64;

/** Splits `stock` units over `shards` counters as evenly as possible; the first ones take the remainder. */
export function splitStock(stock: number, shards: number): number[] {
  if (!Number.isInteger(stock) || stock < 0)
    throw new RangeError(`stock must be a whole number >= 0, got ${stock}`);
  if (!Number.isInteger(shards) || shards < 1 || shards > MAX_STOCK_SHARDS) {
    throw new RangeError(`shards must be a whole number from 1 to ${MAX_STOCK_SHARDS}, got ${shards}`);
  }
  const base = Math.floor(stock / shards);
  const remainder = stock % shards;
  return Array.from({ length: shards }, (_, index) => base + (index < remainder ? 1 : 0));
}

/**
 * The order in which a purchase tries the shards: a random first one (so
 * concurrent buyers spread over all of them), then every other one in turn.
 * "Sold out" may be answered only after each shard in this order refused.
 */
export function shardProbeOrder(shards: number, random: () => number = Math.random): number[] {
  const first = Math.min(shards - 1, Math.floor(random() * shards));
  return Array.from({ length: shards }, (_, step) => (first + step) % shards);
}
