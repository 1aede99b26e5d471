import type { AlarmStatistic } from './alarm-rules.ts';

/** Data points folded: what an HTTP thread sends the main thread's alarms once a second. */
export interface Bucket {
  sum: number;
  count: number;
  min: number;
  max: number;
}

/**
 * Data points of one metric, folded into one bucket per second (sum, count,
 * min, max): recording costs a map lookup however many points arrive, and a
 * statistic over any whole-second window is exact.
 */
export class MetricWindow {
  readonly #buckets = new Map<number, Bucket>();

  record(at: number, value: number): void {
    this.merge(at, { sum: value, count: 1, min: value, max: value });
  }

  /** Several data points at once (already folded). */
  merge(at: number, points: Readonly<Bucket>): void {
    if (points.count === 0) return;
    const second = Math.floor(at / 1000);
    const bucket = this.#buckets.get(second);
    if (bucket === undefined) {
      this.#buckets.set(second, { ...points });
      return;
    }
    bucket.sum += points.sum;
    bucket.count += points.count;
    if (points.min < bucket.min) bucket.min = points.min;
    if (points.max > bucket.max) bucket.max = points.max;
  }

  /** The statistic over [from, to) in ms; undefined when the window has no data and the statistic needs some. */
  statistic(statistic: AlarmStatistic, from: number, to: number): number | undefined {
    let sum = 0;
    let count = 0;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    const first = Math.floor(from / 1000);
    const last = Math.ceil(to / 1000);
    for (const [second, bucket] of this.#buckets) {
      if (second < first || second >= last) continue;
      sum += bucket.sum;
      count += bucket.count;
      if (bucket.min < min) min = bucket.min;
      if (bucket.max > max) max = bucket.max;
    }
    switch (statistic) {
      case 'sum':
        return sum;
      case 'sample_count':
        return count;
      case 'average':
        return count === 0 ? undefined : sum / count;
      case 'minimum':
        return count === 0 ? undefined : min;
      case 'maximum':
        return count === 0 ? undefined : max;
    }
  }

  /** Forgets the buckets before `at` (ms). */
  prune(at: number): void {
    const first = Math.floor(at / 1000);
    for (const second of this.#buckets.keys()) if (second < first) this.#buckets.delete(second);
  }
}
