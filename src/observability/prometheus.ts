import {
  AggregatorRegistry,
  Counter,
  collectDefaultMetrics,
  Gauge,
  Histogram,
  type MetricObjectWithValues,
  type MetricValue,
  Registry,
} from 'prom-client';
import type { EventQueue } from '../ports/event-queue.ts';
import type { Metrics } from '../ports/metrics.ts';

export type MetricsSnapshot = MetricObjectWithValues<MetricValue<string>>[];

export interface MetricsText {
  readonly contentType: string;
  readonly body: string;
}

export interface PrometheusMetrics {
  readonly metrics: Metrics;
  observeHttp(route: string, status: number, seconds: number): void;
  /** A timer for one store operation (bound once per operation: nothing to look up per call). */
  backendTimer(store: string, operation: string): (seconds: number) => void;
  text(): Promise<MetricsText>;
  /** This registry's values, to be summed with other threads' by `aggregatedText`. */
  snapshot(): Promise<MetricsSnapshot>;
}

export interface PrometheusSources {
  /** The thread that owns the store: queue gauges and process stats come from it alone. */
  readonly queue?: EventQueue | undefined;
  /** This thread's HTTP requests in flight, read at scrape time. */
  readonly inFlight?: () => number;
  /** Alarm states (1 = ALARM), read at scrape time. */
  readonly alarms?: () => ReadonlyArray<{ readonly name: string; readonly alarming: boolean }>;
  readonly now?: () => number;
}

/**
 * Prometheus exposition for the Node runtimes: app counters, HTTP latency,
 * requests in flight, store operation latency and, where `queue` is given
 * (the thread that owns the store), queue depth, age and dead letters,
 * alarm states and process stats. Extra HTTP threads pass no queue, so that
 * summing every thread's registry counts each of those once.
 */
export function createPrometheusMetrics(sources: PrometheusSources = {}): PrometheusMetrics {
  const { queue, inFlight, alarms } = sources;
  const now = sources.now ?? Date.now;
  const registry = new Registry();
  if (queue !== undefined) collectDefaultMetrics({ register: registry });
  const purchases = new Counter({
    name: 'flashsale_purchases_total',
    help: 'Purchase attempts by outcome',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const orderEvents = new Counter({
    name: 'flashsale_order_events_total',
    help: 'Order pipeline deliveries by result',
    labelNames: ['result'],
    registers: [registry],
  });
  const expired = new Counter({
    name: 'flashsale_reservations_expired_total',
    help: 'Reservations released because their payment window closed',
    registers: [registry],
  });
  const http = new Histogram({
    name: 'flashsale_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['route', 'status'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const backend = new Histogram({
    name: 'flashsale_backend_operation_duration_seconds',
    help: 'Ledger and order store calls by store and operation, as the app waits for them',
    labelNames: ['store', 'operation'],
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  if (inFlight !== undefined) {
    new Gauge({
      name: 'flashsale_http_requests_in_flight',
      help: 'HTTP requests received and not yet answered',
      registers: [registry],
      collect() {
        this.set(inFlight());
      },
    });
  }
  if (queue !== undefined) {
    // One depth() call per scrape feeds the three queue gauges.
    let reading: Promise<Awaited<ReturnType<EventQueue['depth']>>> | undefined;
    const depth = () => {
      reading ??= queue.depth().finally(() => {
        reading = undefined;
      });
      return reading;
    };
    new Gauge({
      name: 'flashsale_queue_depth',
      help: 'Events waiting in the order pipeline, and parked in its dead-letter queue',
      labelNames: ['queue'],
      registers: [registry],
      async collect() {
        const d = await depth();
        this.set({ queue: 'pending' }, d.pending);
        this.set({ queue: 'dead_letter' }, d.dead);
      },
    });
    new Gauge({
      name: 'flashsale_queue_oldest_age_seconds',
      help: 'Age of the oldest event waiting in the order pipeline (0 when none waits)',
      registers: [registry],
      async collect() {
        const { oldestPendingAt } = await depth();
        this.set(oldestPendingAt === undefined ? 0 : Math.max(0, (now() - oldestPendingAt) / 1000));
      },
    });
    new Gauge({
      name: 'flashsale_dead_letters',
      help: 'Events parked in the dead-letter queue: anything above 0 needs a look',
      registers: [registry],
      async collect() {
        this.set((await depth()).dead);
      },
    });
  }
  if (alarms !== undefined) {
    new Gauge({
      name: 'flashsale_alarm_state',
      help: 'Each configured alarm: 1 in ALARM, 0 OK',
      labelNames: ['alarm'],
      registers: [registry],
      collect() {
        for (const alarm of alarms()) this.set({ alarm: alarm.name }, alarm.alarming ? 1 : 0);
      },
    });
  }
  return {
    metrics: {
      purchase: (outcome) => purchases.inc({ outcome }),
      orderEvent: (result) => orderEvents.inc({ result }),
      reservationsExpired: (count) => expired.inc(count),
    },
    observeHttp: (route, status, seconds) => http.observe({ route, status: String(status) }, seconds),
    backendTimer(store, operation) {
      const child = backend.labels({ store, operation });
      return (seconds) => child.observe(seconds);
    },
    text: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
    snapshot: () => registry.getMetricsAsJSON() as Promise<MetricsSnapshot>,
  };
}

/** One exposition of several threads' registries: counters and histograms summed. */
export async function aggregatedText(snapshots: readonly MetricsSnapshot[]): Promise<MetricsText> {
  const registry = AggregatorRegistry.aggregate([...snapshots]);
  return { contentType: registry.contentType, body: await registry.metrics() };
}
