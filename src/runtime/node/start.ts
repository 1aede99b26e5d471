import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppDeps } from '../../app/deps.ts';
import { OrderWorker, type OrderWorkerOptions } from '../../app/order-worker.ts';
import type { Config } from '../../config.ts';
import { DashboardCollector } from '../../dashboard/collector.ts';
import { type LocalIssuer, loadLocalIssuer } from '../../http/auth/local-issuer.ts';
import type { HttpApp } from '../../http/http-app.ts';
import type { Logger } from '../../observability/logger.ts';
import { aggregatedText, createPrometheusMetrics } from '../../observability/prometheus.ts';
import type { Backend } from '../../ports/backend.ts';
import { type Clock, systemClock } from '../../ports/clock.ts';
import { openBackend } from '../../shapes/registry.ts';
import { composeDeps, composeHttpApp } from './compose.ts';
import { createDashboardPage } from './dashboard.ts';
import { createNodeServer } from './http-server.ts';
import { type HttpThreads, startHttpThreads } from './threads/http-threads.ts';

export interface RunningNode {
  readonly url: string;
  readonly app: HttpApp;
  readonly deps: AppDeps;
  readonly worker: OrderWorker;
  readonly backend: Backend;
  /** Present when this server issues its own tokens. */
  readonly issuer: LocalIssuer | undefined;
  /** The extra HTTP threads, when `httpThreads` > 1. */
  readonly httpThreads: HttpThreads | undefined;
  close(): Promise<void>;
}

export interface StartOptions {
  readonly clock?: Clock;
  readonly worker?: Partial<OrderWorkerOptions>;
  /** false: the caller drives the order worker (tests). */
  readonly runWorker?: boolean;
}

/**
 * The composition root of the Node runtime: store, app, worker, HTTP server.
 * `config.role` splits a cluster deployment into API processes (no worker)
 * and worker processes (which still answer health and metrics over HTTP).
 */
export async function startNode(
  config: Config,
  logger: Logger,
  options: StartOptions = {},
): Promise<RunningNode> {
  const backend = await openBackend(config.backend, { dataDir: config.dataDir, logger });
  const prometheus = createPrometheusMetrics(backend.queue);
  const clock = options.clock ?? systemClock;
  const deps = composeDeps(config, backend, clock, prometheus);
  const issuer = config.remoteAuth === undefined ? await loadLocalIssuer(config.dataDir) : undefined;
  let httpThreads: HttpThreads | undefined;
  const metricsSnapshots = async () => [
    await prometheus.snapshot(),
    ...((await httpThreads?.snapshots()) ?? []),
  ];
  const metricsText = async () => aggregatedText(await metricsSnapshots());
  const dashboardSource = new DashboardCollector({
    deps,
    backend: backend.name,
    metrics: metricsSnapshots,
  });
  const dashboard = createDashboardPage(dashboardSource, logger);
  const app = composeHttpApp(config, deps, {
    localJwks: issuer?.jwks,
    prometheus,
    ...(config.httpThreads > 1 ? { metricsText } : {}),
    logger,
    dashboard,
  });
  const worker = new OrderWorker(
    deps,
    { maxAttempts: config.workerMaxAttempts, ...options.worker },
    (error) => logger.log('error', 'order worker failed', { error }),
  );
  if (options.runWorker !== false && config.role !== 'api') worker.start();
  const server = createNodeServer(app);
  const threads = config.httpThreads > 1;
  await listen(server, config.port, config.host, threads);
  const { port } = server.address() as AddressInfo;
  httpThreads = threads
    ? await startHttpThreads({
        count: config.httpThreads - 1,
        config,
        port,
        localJwks: issuer?.jwks,
        stores: backend,
        metricsText,
        dashboard: dashboardSource,
        logger,
      })
    : undefined;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return {
    url: `http://${host}:${port}`,
    app,
    deps,
    worker,
    backend,
    issuer,
    httpThreads,
    async close() {
      dashboard.feed.close();
      await httpThreads?.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await worker.stop();
      deps.soldOutBoard.close();
      await backend.close();
    },
  };
}

function listen(server: Server, port: number, host: string, reusePort: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, reusePort }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
