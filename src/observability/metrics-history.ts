import type { MetricsSnapshot } from './prometheus.ts';

const PURCHASES = 'flashsale_purchases_total';
const HTTP_BUCKETS = 'flashsale_http_request_duration_seconds_bucket';
const HTTP_HISTOGRAM = 'flashsale_http_request_duration_seconds';

interface Sample {
  readonly at: number;
  readonly purchases: ReadonlyMap<string, number>;
  /** Cumulative counts by upper bound (seconds, Infinity last), ascending. */
  readonly buckets: ReadonlyArray<readonly [number, number]>;
}

export interface WindowFigures {
  readonly perSecond: Record<string, number>;
  readonly total: Record<string, number>;
  readonly windowSeconds: number;
  readonly count: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly ceilingMs: number;
}

/**
 * Turns the metrics registry's counters, which only ever grow, into figures
 * over time: purchase attempts per second by outcome (between the last two
 * samples) and purchase latency quantiles over the samples kept (the
 * difference of the histogram's buckets between the oldest and the newest,
 * interpolated inside a bucket as Prometheus' histogram_quantile does).
 * Several registries (one per HTTP thread) are summed.
 */
export class MetricsHistory {
  readonly #route: string;
  readonly #keepMs: number;
  readonly #samples: Sample[] = [];

  constructor(options: { readonly purchaseRoute: string; readonly keepMs: number }) {
    this.#route = options.purchaseRoute;
    this.#keepMs = options.keepMs;
  }

  add(at: number, snapshots: readonly MetricsSnapshot[]): void {
    const purchases = new Map<string, number>();
    const buckets = new Map<number, number>();
    for (const metric of snapshots.flat()) {
      if (metric.name === PURCHASES) {
        for (const v of metric.values) {
          const outcome = String(v.labels.outcome);
          purchases.set(outcome, (purchases.get(outcome) ?? 0) + v.value);
        }
      } else if (metric.name === HTTP_HISTOGRAM) {
        for (const v of metric.values) {
          if ((v as { metricName?: string }).metricName !== HTTP_BUCKETS || v.labels.route !== this.#route)
            continue;
          const le = v.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(v.labels.le);
          buckets.set(le, (buckets.get(le) ?? 0) + v.value);
        }
      }
    }
    this.#samples.push({ at, purchases, buckets: [...buckets].sort((a, b) => a[0] - b[0]) });
    while (this.#samples.length > 2 && at - this.#samples[0]!.at > this.#keepMs) this.#samples.shift();
  }

  figures(): WindowFigures {
    const last = this.#samples.at(-1);
    const previous = this.#samples.at(-2);
    const first = this.#samples[0];
    const perSecond: Record<string, number> = {};
    if (last !== undefined && previous !== undefined && last.at > previous.at) {
      for (const [outcome, value] of last.purchases) {
        perSecond[outcome] =
          ((value - (previous.purchases.get(outcome) ?? 0)) * 1000) / (last.at - previous.at);
      }
    }
    const window = last === undefined || first === undefined ? [] : bucketDifference(last, first);
    const count = window.at(-1)?.[1] ?? 0;
    const finite = (last?.buckets ?? []).filter(([le]) => Number.isFinite(le));
    const ceiling = finite.at(-1)?.[0] ?? 0;
    return {
      perSecond,
      total: Object.fromEntries(last?.purchases ?? []),
      windowSeconds: last === undefined || first === undefined ? 0 : (last.at - first.at) / 1000,
      count,
      p50Ms: quantileMs(window, 0.5, ceiling),
      p99Ms: quantileMs(window, 0.99, ceiling),
      ceilingMs: ceiling * 1000,
    };
  }
}

function bucketDifference(last: Sample, first: Sample): Array<readonly [number, number]> {
  if (first === last) return [];
  const before = new Map(first.buckets);
  return last.buckets.map(([le, n]) => [le, n - (before.get(le) ?? 0)] as const);
}

/** The q-quantile of cumulative buckets, linear inside its bucket; the top finite bound if it lies above. */
function quantileMs(
  buckets: ReadonlyArray<readonly [number, number]>,
  q: number,
  ceiling: number,
): number | null {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total === 0) return null;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const [le, n] of buckets) {
    if (n >= rank) {
      if (!Number.isFinite(le)) return ceiling * 1000;
      const inside = n - below;
      return (lower + (le - lower) * (inside === 0 ? 1 : (rank - below) / inside)) * 1000;
    }
    lower = le;
    below = n;
  }
  return ceiling * 1000;
}
