import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppDeps } from '../../app/deps.ts';
import { OrderWorker, type OrderWorkerOptions } from '../../app/order-worker.ts';
import { SoldOutBoard } from '../../app/sold-out-board.ts';
import { LOCAL_AUDIENCE, LOCAL_ISSUER, type LocalIssuer, loadLocalIssuer } from '../../auth/local-issuer.ts';
import { createTokenVerifier } from '../../auth/token-verifier.ts';
import type { Config } from '../../config.ts';
import { TokenBuckets } from '../../domain/token-bucket.ts';
import { createHttpApp, type HttpApp } from '../../http/http-app.ts';
import type { Logger } from '../../observability/logger.ts';
import { createPrometheusMetrics } from '../../observability/prometheus.ts';
import type { Backend } from '../../ports/backend.ts';
import { type Clock, systemClock } from '../../ports/clock.ts';
import { createNodeServer } from './http-server.ts';
import { openBackend } from './open-backend.ts';

export interface RunningNode {
  readonly url: string;
  readonly app: HttpApp;
  readonly deps: AppDeps;
  readonly worker: OrderWorker;
  readonly backend: Backend;
  /** Present when this server issues its own tokens. */
  readonly issuer: LocalIssuer | undefined;
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
  const backend = await openBackend(config, logger);
  const prometheus = createPrometheusMetrics(backend.queue);
  const clock = options.clock ?? systemClock;
  const soldOutBoard = new SoldOutBoard({
    ledger: backend.ledger,
    signal: backend.soldOut,
    now: () => clock.now(),
  });
  const deps: AppDeps = {
    ledger: backend.ledger,
    orders: backend.orders,
    queue: backend.queue,
    clock,
    metrics: prometheus.metrics,
    soldOutBoard,
    purchaseLimiter:
      config.rateLimitPerSecond > 0
        ? new TokenBuckets({ ratePerSecond: config.rateLimitPerSecond, burst: config.rateLimitBurst })
        : undefined,
  };
  const issuer = config.remoteAuth === undefined ? await loadLocalIssuer(config.dataDir) : undefined;
  const verifier = createTokenVerifier(
    config.remoteAuth === undefined
      ? { jwks: issuer!.jwks, issuer: LOCAL_ISSUER, audience: LOCAL_AUDIENCE }
      : {
          jwks: config.remoteAuth.jwksUrl,
          issuer: config.remoteAuth.issuer,
          audience: config.remoteAuth.audience,
        },
  );
  const app = createHttpApp({
    deps,
    verifier,
    ...(issuer === undefined ? {} : { jwks: issuer.jwks }),
    metricsText: prometheus.text,
    observe: prometheus.observeHttp,
    onError: (error, request) =>
      logger.log('error', 'request failed', { error, method: request.method, url: request.url }),
  });
  const worker = new OrderWorker(
    deps,
    { maxAttempts: config.workerMaxAttempts, ...options.worker },
    (error) => logger.log('error', 'order worker failed', { error }),
  );
  if (options.runWorker !== false && config.role !== 'api') worker.start();
  const server = createNodeServer(app);
  await listen(server, config.port, config.host);
  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return {
    url: `http://${host}:${port}`,
    app,
    deps,
    worker,
    backend,
    issuer,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await worker.stop();
      soldOutBoard.close();
      await backend.close();
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
