/** A sale's sold-out mark as the edge reads it: refuse purchases until `until` (epoch ms). */
export interface SoldOutMark {
  readonly until: number;
}

/**
 * The per-sale status an edge in front of the HTTP API answers purchases
 * from (in AWS: a CloudFront KeyValueStore read by a CloudFront Function,
 * see infra/edge/sale-gate.js). Each write reaches the edge locations a few
 * seconds later; none is transactional with the stock ledger, so the app
 * orders them around its own writes (src/app/edge-status.ts). Leaves out
 * how the store versions its writes (ETags) and where its keys live.
 */
export interface EdgeSaleStatus {
  /** The sale starts at `startsAt` (epoch ms): before it, the edge refuses with not_started. */
  publishStart(saleId: string, startsAt: number): Promise<void>;
  /** The sale is sold out: the edge refuses with sold_out until `mark.until`. */
  publishSoldOut(saleId: string, mark: SoldOutMark): Promise<void>;
  /** Units are back: the edge stops refusing. Removing a mark that is not there is no error. */
  clearSoldOut(saleId: string): Promise<void>;
  /** The mark the store holds now, if any. */
  soldOutMark(saleId: string): Promise<SoldOutMark | undefined>;
}
