import { Worker } from 'node:worker_threads';
import type { JSONWebKeySet } from 'jose';
import type { SharedWindowsBuffers } from '../../../adapters/memory/shared-windows.ts';
import type { Config } from '../../../config.ts';
import type { SnapshotSource } from '../../../dashboard/feed.ts';
import type { Alarms } from '../../../observability/alarms.ts';
import type { HttpSummary } from '../../../observability/http-fold.ts';
import type { MetricsSnapshot, MetricsText } from '../../../observability/prometheus.ts';
import type { Logger } from '../../../ports/logger.ts';
import type { KeyFilterSource } from '../../../ports/shared-key-filter.ts';
import type { Stores } from '../compose.ts';
import { rpcClient, serveRpc } from './port-rpc.ts';
import type { OrderFeedRelay } from './relayed-order-feed.ts';
import { stopThread, whenThreadReady } from './thread-lifecycle.ts';
import { configForThread, type HttpThreadData, THREAD_LISTENING, THREAD_STOP } from './thread-messages.ts';

export interface HttpThreads {
  readonly count: number;
  /** Every extra thread's metrics registry, to be summed with the main thread's. */
  snapshots(): Promise<MetricsSnapshot[]>;
  stop(): Promise<void>;
}

interface ThreadMetrics {
  snapshot(): Promise<MetricsSnapshot>;
}

/**
 * Starts `count` extra HTTP threads on `port` (which the main thread already
 * listens on with reusePort), each calling this thread's stores.
 */
export async function startHttpThreads(options: {
  readonly count: number;
  readonly config: Config;
  readonly port: number;
  readonly localJwks: JSONWebKeySet | undefined;
  readonly stores: Stores;
  /** The summed exposition the main thread serves; threads serve the same. */
  readonly metricsText: () => Promise<MetricsText>;
  /** The dashboard's snapshots, collected once for every thread. */
  readonly dashboard: SnapshotSource;
  readonly logger: Logger;
  /** Where the threads' answers are folded in once a second (the alarms live on this thread). */
  readonly alarms: Pick<Alarms, 'recordHttpSummary'>;
  /** Watches orders for the threads' GraphQL subscriptions; absent: the threads serve no GraphQL. */
  readonly orderFeed?: OrderFeedRelay | undefined;
  /** The ledger's used keys in shared memory; absent: the threads ask the ledger about every key. */
  readonly usedKeys?: KeyFilterSource | undefined;
  /** The purchase limits' counts in shared memory; absent: the threads ask the main thread's limiter. */
  readonly limiterWindows?: SharedWindowsBuffers | undefined;
}): Promise<HttpThreads> {
  const data: HttpThreadData = {
    config: configForThread(options.config),
    port: options.port,
    localJwks: options.localJwks,
    graphql: options.orderFeed !== undefined,
    usedKeys: options.usedKeys !== undefined,
    limiterWindows: options.limiterWindows,
  };
  const workers = Array.from({ length: options.count }, () => {
    const worker = new Worker(new URL('./http-thread.ts', import.meta.url), { workerData: data });
    serveRpc(worker, {
      ledger: options.stores.ledger,
      orders: options.stores.orders,
      queue: options.stores.queue,
      // One count for the whole process: a thread without the shared windows asks the main thread's limiter.
      ...(options.stores.purchaseLimiter === undefined || options.limiterWindows !== undefined
        ? {}
        : { limiter: options.stores.purchaseLimiter }),
      metrics: { text: options.metricsText },
      alarms: {
        recordHttpSummary: async (summary: HttpSummary) => options.alarms.recordHttpSummary(summary),
      },
      dashboard: { latest: () => options.dashboard.latest() },
      ...(options.orderFeed === undefined ? {} : { orderFeed: options.orderFeed }),
      ...(options.usedKeys === undefined ? {} : { usedKeys: options.usedKeys }),
    });
    worker.on('error', (error) => options.logger.log('error', 'http thread failed', { error }));
    return worker;
  });
  await Promise.all(workers.map((worker) => whenThreadReady(worker, THREAD_LISTENING, 'an http thread')));
  const metrics = workers.map((worker) => rpcClient(worker).remote<ThreadMetrics>('metrics'));
  return {
    count: workers.length,
    snapshots: () => Promise.all(metrics.map((thread) => thread.snapshot())),
    async stop() {
      // Each thread drains its own connections within the shutdown deadline.
      await Promise.all(
        workers.map((worker) => stopThread(worker, THREAD_STOP, options.config.shutdownTimeoutMs)),
      );
    },
  };
}
