export interface LoadPlan {
  readonly label: string;
  readonly url: string;
  readonly connections: number;
  readonly durationSeconds: number;
  /**
   * Both scenarios send the same requests (a purchase with its shopper's
   * token and a fresh idempotency key), so the generator's own cost is the
   * same against the baseline and against the real server.
   */
  readonly scenario: {
    readonly kind: 'hello' | 'purchase';
    readonly saleId: string;
    readonly tokensFile: string;
  };
}

export interface LatencySummary {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export interface PhaseSummary {
  readonly name: string;
  readonly fromSeconds: number;
  readonly toSeconds: number;
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly latencyMs: LatencySummary;
  readonly outcomes: Readonly<Record<string, number>>;
}

export interface TimelinePoint {
  /** Start of the interval, seconds from the start of the run. */
  readonly second: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly reserved: number;
}

export interface LoadSummary {
  readonly label: string;
  readonly connections: number;
  readonly startedAtMs: number;
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly latencyMs: LatencySummary;
  readonly outcomes: Readonly<Record<string, number>>;
  readonly socketErrors: number;
  readonly timeouts: number;
  readonly phases: readonly PhaseSummary[];
  readonly timeline: readonly TimelinePoint[];
}
