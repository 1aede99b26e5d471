/**
 * The order worker on a thread of its own, for a process that also serves
 * the API over a shared store (the cluster shape's `--role all`). It opens its
 * own connections to the store and confirms orders there, so a sale's
 * confirmations run on a second core instead of between the HTTP thread's
 * requests, where a stampede starved them. Its counters are summed with the
 * process's (the main thread asks for a snapshot), and its retried and
 * dead-lettered events reach the main thread's alarms.
 */
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { OrderWorker } from '../../../app/order-worker.ts';
import type { AlarmMetric } from '../../../observability/alarm-rules.ts';
import { createLogger } from '../../../observability/logger.ts';
import { createPrometheusMetrics } from '../../../observability/prometheus.ts';
import { systemClock } from '../../../ports/clock.ts';
import { openBackend } from '../../../shapes/registry.ts';
import { alarmedMetrics } from '../alarmed-metrics.ts';
import { composeDeps } from '../compose.ts';
import { rpcClient, serveRpc } from './port-rpc.ts';
import {
  configFromThread,
  type OrderWorkerThreadData,
  THREAD_STOP,
  WORKER_STARTED,
} from './thread-messages.ts';

const port = parentPort!;
const data = workerData as OrderWorkerThreadData;
const config = configFromThread(data.config);
const logger = createLogger({ level: config.logLevel, base: { thread: threadId } });
const backend = await openBackend(config.backend, { dataDir: config.dataDir, logger });
const prometheus = createPrometheusMetrics({ inFlight: () => 0 });
serveRpc(port, { metrics: { snapshot: () => prometheus.snapshot() } });
const alarms = rpcClient(port).remote<{ record(metric: AlarmMetric): Promise<void> }>('alarms');
const metrics = alarmedMetrics(prometheus.metrics, {
  record: (metric) => void alarms.record(metric).catch(() => {}),
});
const stores = {
  ledger: backend.ledger,
  orders: backend.orders,
  queue: backend.queue,
  soldOut: backend.soldOut,
  orderProjection: backend.orderProjection,
  purchaseLimiter: undefined,
};
const deps = { ...composeDeps(config, stores, systemClock, metrics), orderNotifier: backend.orderFeed };
const worker = new OrderWorker(
  deps,
  { maxAttempts: config.workerMaxAttempts },
  (error) => logger.log('error', 'order worker failed', { error }),
  logger,
);
worker.start();
logger.log('info', 'order worker started on a thread of its own', { backend: backend.name });
port.postMessage(WORKER_STARTED);
port.on('message', (message: unknown) => {
  if (message !== THREAD_STOP) return;
  // The batch in hand is finished and acknowledged before the store closes.
  void worker.stop().then(async () => {
    deps.soldOutBoard.close();
    await backend.close();
    port.close();
  });
});
