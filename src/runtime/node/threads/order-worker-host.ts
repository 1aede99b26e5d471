import { Worker } from 'node:worker_threads';
import type { Config } from '../../../config.ts';
import type { AlarmMetric } from '../../../observability/alarm-rules.ts';
import type { Alarms } from '../../../observability/alarms.ts';
import type { MetricsSnapshot } from '../../../observability/prometheus.ts';
import type { Logger } from '../../../ports/logger.ts';
import { rpcClient, serveRpc } from './port-rpc.ts';
import { stopThread, whenThreadReady } from './thread-lifecycle.ts';
import {
  configForThread,
  type OrderWorkerThreadData,
  THREAD_STOP,
  WORKER_STARTED,
} from './thread-messages.ts';

export interface OrderWorkerThread {
  /** The thread's metrics registry, to be summed with the main thread's. */
  snapshot(): Promise<MetricsSnapshot>;
  /** Lets the worker finish its batch, closes its store, and waits for the thread to end. */
  stop(): Promise<void>;
}

/**
 * Whether this process runs its order worker on a thread of its own: when it
 * also serves the API (`--role all`) over a store that other connections may
 * share (the cluster shape). The embedded store has one writer, the main
 * thread, and a `--role worker` process has nothing else to do.
 */
export function orderWorkerOnThread(config: Pick<Config, 'role' | 'backend'>): boolean {
  return config.role === 'all' && config.backend.name === 'cluster';
}

/** Starts the order worker thread (see order-worker-thread.ts); resolves once it has started. */
export async function startOrderWorkerThread(options: {
  readonly config: Config;
  readonly alarms: Pick<Alarms, 'record'>;
  readonly logger: Logger;
}): Promise<OrderWorkerThread> {
  const data: OrderWorkerThreadData = { config: configForThread(options.config) };
  const worker = new Worker(new URL('./order-worker-thread.ts', import.meta.url), { workerData: data });
  serveRpc(worker, { alarms: { record: async (metric: AlarmMetric) => options.alarms.record(metric) } });
  worker.on('error', (error) => options.logger.log('error', 'order worker thread failed', { error }));
  await whenThreadReady(worker, WORKER_STARTED, 'the order worker thread');
  const metrics = rpcClient(worker).remote<{ snapshot(): Promise<MetricsSnapshot> }>('metrics');
  return {
    snapshot: () => metrics.snapshot(),
    // The worker finishes its batch and closes its store well within the shutdown deadline.
    stop: () => stopThread(worker, THREAD_STOP, options.config.shutdownTimeoutMs),
  };
}
