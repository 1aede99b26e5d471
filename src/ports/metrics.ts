/** What the app reports about itself; the exporter (Prometheus, CloudWatch EMF) is the adapter's choice. */
export interface Metrics {
  purchase(outcome: string): void;
  orderEvent(result: 'processed' | 'retried' | 'dead_lettered'): void;
  reservationsExpired(count: number): void;
}

export const noMetrics: Metrics = {
  purchase: () => {},
  orderEvent: () => {},
  reservationsExpired: () => {},
};
