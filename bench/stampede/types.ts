export type GeneratorName = 'wrk' | 'autocannon';

/**
 * One run of the load generator. The baselines and the real server get the
 * same requests (a purchase with its shopper's token and a fresh idempotency
 * key), so the generator's own cost is the same on both sides of the ratio.
 */
export interface LoadPlan {
  readonly url: string;
  /** The request path, e.g. `/v1/sales/<id>/purchase`. */
  readonly path: string;
  readonly connections: number;
  readonly threads: number;
  /** Shopper tokens, one a line; requests rotate over them. */
  readonly tokensFile: string;
  /** Starts every idempotency key of this run, so that no two runs share a key. */
  readonly keyPrefix: string;
  /** Where the generator writes what it counted. */
  readonly resultFile: string;
  /** Set: each purchase is the GraphQL `purchase` mutation of this sale, POSTed to `path` (/graphql). */
  readonly graphqlSaleId?: string | undefined;
}

export interface LatencySummary {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** What one generator run measured, from the generator's side. */
export interface LoadResult {
  readonly requests: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  readonly latencyMs: LatencySummary;
  /** Responses by HTTP status. */
  readonly statuses: Readonly<Record<string, number>>;
  /** Responses by outcome (status, and the error code for refusals). */
  readonly outcomes: Readonly<Record<string, number>>;
  /** Connect, read and write errors and timeouts. */
  readonly socketErrors: number;
  readonly timeouts: number;
  /** The order ids of the 201 answers. */
  readonly orderIds: readonly string[];
}

export interface CpuShare {
  readonly seconds: number;
  /** Percent of one core. */
  readonly ofOneCore: number;
  /** Percent of every core of the machine. */
  readonly ofMachine: number;
}

/** The server's thread that used the most CPU in a phase. */
export interface BusiestThread {
  /** `main`, or the thread's own name (node's HTTP and store threads: `WorkerThread`). */
  readonly name: string;
  /** Percent of one core: near 100 %, that thread was the ceiling. */
  readonly ofOneCore: number;
}

export interface PhaseSummary extends Omit<LoadResult, 'orderIds'> {
  readonly name: string;
  /** Seconds from the start of the run (the crowd's arrival; 0 for a baseline). */
  readonly fromSeconds: number;
  readonly toSeconds: number;
  readonly cpu: {
    readonly generator: CpuShare;
    readonly server: CpuShare;
    /** Absent when the server's threads could not be read (not Linux). */
    readonly serverBusiestThread?: BusiestThread | undefined;
  };
}

/** One second of the real server's run, sampled from its /metrics and its sale. */
export interface TimelinePoint {
  /** End of the interval, seconds from the start of the run. */
  readonly second: number;
  /** Purchase answers the server sent in the interval, per second. */
  readonly requestsPerSecond: number;
  /** Server-side latency of the purchase route, estimated from histogram buckets. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Purchases by outcome in the interval (the server's counter). */
  readonly outcomes: Readonly<Record<string, number>>;
  /** Units left, as GET /v1/sales/{id} last said. */
  readonly available: number | undefined;
  /** Events waiting for the order worker. */
  readonly ordersPending: number | undefined;
}
