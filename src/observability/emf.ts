import type { Metrics } from '../ports/metrics.ts';

/**
 * CloudWatch Embedded Metric Format, written by hand: one JSON log line per
 * dimension set, which CloudWatch Logs turns into metrics (no agent, no API
 * call, nothing on the request path). Values are aggregated in memory and
 * written by `flush()` at the end of each invocation, as Powertools does.
 * Why not Powertools' metrics: see docs/decisions.md.
 */
export interface EmfMetrics {
  readonly metrics: Metrics;
  observeHttp(route: string, status: number, seconds: number): void;
  /** Writes what was recorded since the last flush; call once per invocation. */
  flush(): void;
}

export interface EmfOptions {
  readonly namespace: string;
  /** Dimensions on every metric, e.g. { Service: 'api' }. */
  readonly dimensions: Readonly<Record<string, string>>;
  readonly write?: (line: string) => void;
  readonly now?: () => number;
}

type Unit = 'Count' | 'Milliseconds';

interface Series {
  readonly dimensions: Record<string, string>;
  readonly metrics: Map<string, { unit: Unit; values: number[] }>;
}

/** CloudWatch takes up to 100 values per metric in one EMF document. */
const MAX_VALUES = 100;

export function createEmfMetrics(options: EmfOptions): EmfMetrics {
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const now = options.now ?? Date.now;
  let series = new Map<string, Series>();

  function record(
    extra: Record<string, string>,
    name: string,
    unit: Unit,
    value: number,
    sum: boolean,
  ): void {
    const dimensions = { ...options.dimensions, ...extra };
    const key = JSON.stringify(dimensions);
    let entry = series.get(key);
    if (entry === undefined) {
      entry = { dimensions, metrics: new Map() };
      series.set(key, entry);
    }
    let metric = entry.metrics.get(name);
    if (metric === undefined) {
      metric = { unit, values: [] };
      entry.metrics.set(name, metric);
    }
    if (sum && metric.values.length > 0) metric.values[0]! += value;
    else if (metric.values.length < MAX_VALUES) metric.values.push(value);
  }

  const count = (extra: Record<string, string>, name: string, value = 1) =>
    record(extra, name, 'Count', value, true);

  return {
    metrics: {
      purchase: (outcome) => count({ Outcome: outcome }, 'Purchases'),
      orderEvent: (result) => count({ Result: result }, 'OrderEvents'),
      reservationsExpired: (n) => count({}, 'ReservationsExpired', n),
    },
    observeHttp(route, status, seconds) {
      const dims = { Route: route, StatusClass: `${Math.floor(status / 100)}xx` };
      count(dims, 'Requests');
      record(dims, 'Latency', 'Milliseconds', Math.round(seconds * 1e6) / 1e3, false);
    },
    flush() {
      if (series.size === 0) return;
      const timestamp = now();
      const lines: string[] = [];
      for (const { dimensions, metrics } of series.values()) {
        const document: Record<string, unknown> = {
          _aws: {
            Timestamp: timestamp,
            CloudWatchMetrics: [
              {
                Namespace: options.namespace,
                Dimensions: [Object.keys(dimensions)],
                Metrics: [...metrics].map(([name, { unit }]) => ({ Name: name, Unit: unit })),
              },
            ],
          },
          ...dimensions,
        };
        for (const [name, { values }] of metrics) document[name] = values.length === 1 ? values[0] : values;
        lines.push(JSON.stringify(document));
      }
      series = new Map();
      write(`${lines.join('\n')}\n`);
    },
  };
}
