import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppDeps } from '../../app/deps.ts';
import { OrderWorker, type OrderWorkerOptions } from '../../app/order-worker.ts';
import { type Config, requireTokenVerifier } from '../../config.ts';
import { type LocalIssuer, loadLocalIssuer } from '../../http/auth/local-issuer.ts';
import type { HttpApp } from '../../http/http-app.ts';
import { createMetricsApp } from '../../http/metrics-app.ts';
import type { Logger } from '../../observability/logger.ts';
import { aggregatedText, createPrometheusMetrics } from '../../observability/prometheus.ts';
import type { Backend } from '../../ports/backend.ts';
import { type Clock, systemClock } from '../../ports/clock.ts';
import { openBackend } from '../../shapes/registry.ts';
import { composeDeps, composeHttpApp } from './compose.ts';
import { createNodeServer } from './http-server.ts';
import { openPurchaseLimiter } from './purchase-limits.ts';
import { loadPurchaseTokenSecret } from './purchase-token-secret.ts';
import { type HttpThreads, startHttpThreads } from './threads/http-threads.ts';

export interface RunningNode {
  readonly url: string;
  readonly app: HttpApp;
  readonly deps: AppDeps;
  readonly worker: OrderWorker;
  readonly backend: Backend;
  /** Present when this server issues its own tokens. */
  readonly issuer: LocalIssuer | undefined;
  /** Where /metrics is served: `${url}/metrics`, or the metrics port's. */
  readonly metricsUrl: string;
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
  given: Config,
  logger: Logger,
  options: StartOptions = {},
): Promise<RunningNode> {
  // Every thread signs purchase tokens with the same secret: the configured one, or the data dir's.
  const config: Config = {
    ...given,
    purchaseTokenSecret: given.purchaseTokenSecret ?? loadPurchaseTokenSecret(given.dataDir),
  };
  requireTokenVerifier(config);
  const backend = await openBackend(config.backend, { dataDir: config.dataDir, logger });
  const prometheus = createPrometheusMetrics(backend.queue);
  const clock = options.clock ?? systemClock;
  const stores = { ...backend, purchaseLimiter: openPurchaseLimiter(config, backend) };
  const deps = composeDeps(config, stores, clock, prometheus);
  const issuer = config.localAuth ? await loadLocalIssuer(config.dataDir) : undefined;
  let httpThreads: HttpThreads | undefined;
  const metricsText = async () =>
    aggregatedText([await prometheus.snapshot(), ...((await httpThreads?.snapshots()) ?? [])]);
  const app = composeHttpApp(config, deps, {
    localJwks: issuer?.jwks,
    prometheus,
    ...(config.httpThreads > 1 ? { metricsText } : {}),
    logger,
  });
  const worker = new OrderWorker(
    deps,
    { maxAttempts: config.workerMaxAttempts, ...options.worker },
    (error) => logger.log('error', 'order worker failed', { error }),
  );
  if (options.runWorker !== false && config.role !== 'api') worker.start();
  const server = createNodeServer(app);
  const threads = config.httpThreads > 1;
  await listen(server, config.port, config.host, threads || config.reusePort);
  const { port } = server.address() as AddressInfo;
  httpThreads = threads
    ? await startHttpThreads({
        count: config.httpThreads - 1,
        config,
        port,
        localJwks: issuer?.jwks,
        stores,
        metricsText,
        logger,
      })
    : undefined;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const metricsServer =
    config.metricsPort === undefined
      ? undefined
      : createNodeServer(createMetricsApp({ metricsText, metricsToken: config.metricsToken }));
  if (metricsServer !== undefined) await listen(metricsServer, config.metricsPort!, config.host, false);
  const url = `http://${host}:${port}`;
  return {
    url,
    metricsUrl:
      metricsServer === undefined
        ? `${url}/metrics`
        : `http://${host}:${(metricsServer.address() as AddressInfo).port}/metrics`,
    app,
    deps,
    worker,
    backend,
    issuer,
    httpThreads,
    async close() {
      await httpThreads?.stop();
      metricsServer?.close();
      metricsServer?.closeIdleConnections();
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
