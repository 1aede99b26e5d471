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
  text(): Promise<MetricsText>;
  /** This registry's values, to be summed with other threads' by `aggregatedText`. */
  snapshot(): Promise<MetricsSnapshot>;
}

/**
 * Prometheus exposition for the Node runtimes: app counters, HTTP latency,
 * and, where `queue` is given (the thread that owns the store), queue depth
 * and process stats. Extra HTTP threads pass no queue, so that summing every
 * thread's registry counts each of those once.
 */
export function createPrometheusMetrics(queue: EventQueue | undefined): PrometheusMetrics {
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
  if (queue !== undefined) {
    new Gauge({
      name: 'flashsale_queue_depth',
      help: 'Events waiting in the order pipeline, and parked in its dead-letter queue',
      labelNames: ['queue'],
      registers: [registry],
      async collect() {
        const depth = await queue.depth();
        this.set({ queue: 'pending' }, depth.pending);
        this.set({ queue: 'dead_letter' }, depth.dead);
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
    text: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
    snapshot: () => registry.getMetricsAsJSON() as Promise<MetricsSnapshot>,
  };
}

/** One exposition of several threads' registries: counters and histograms summed. */
export async function aggregatedText(snapshots: readonly MetricsSnapshot[]): Promise<MetricsText> {
  const registry = AggregatorRegistry.aggregate([...snapshots]);
  return { contentType: registry.contentType, body: await registry.metrics() };
}
