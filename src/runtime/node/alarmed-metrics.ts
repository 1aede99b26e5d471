import type { Alarms } from '../../observability/alarms.ts';
import type { Metrics } from '../../ports/metrics.ts';

/** The app's counters as Prometheus sees them, with the order pipeline's failures also fed to the alarms. */
export function alarmedMetrics(metrics: Metrics, alarms: Pick<Alarms, 'record'>): Metrics {
  return {
    ...metrics,
    orderEvent(result) {
      metrics.orderEvent(result);
      if (result === 'retried') alarms.record('order_events_retried');
      else if (result === 'dead_lettered') alarms.record('order_events_dead_lettered');
    },
  };
}
