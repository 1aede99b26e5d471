import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BroadcastVerifiedTokens } from '../../adapters/memory/broadcast-verified-tokens.ts';
import { KeyFilterReader } from '../../adapters/memory/key-filter.ts';
import type { AppDeps } from '../../app/deps.ts';
import { OrderWorker, type OrderWorkerOptions } from '../../app/order-worker.ts';
import { type Config, requireTokenVerifier } from '../../config.ts';
import { DashboardCollector } from '../../dashboard/collector.ts';
import { type LocalIssuer, loadLocalIssuer } from '../../http/auth/local-issuer.ts';
import { TrustedProxies } from '../../http/client-address.ts';
import { LazyGraphql } from '../../http/graphql-routes.ts';
import type { HttpApp } from '../../http/http-app.ts';
import { createMetricsApp } from '../../http/metrics-app.ts';
import type { AlarmMetric } from '../../observability/alarm-rules.ts';
import { alarmWebhook } from '../../observability/alarm-webhook.ts';
import { type AlarmSampler, type AlarmStatus, Alarms } from '../../observability/alarms.ts';
import { aggregatedText, createPrometheusMetrics } from '../../observability/prometheus.ts';
import { timedStore } from '../../observability/timed-store.ts';
import type { Backend } from '../../ports/backend.ts';
import { type Clock, systemClock } from '../../ports/clock.ts';
import type { EventQueue } from '../../ports/event-queue.ts';
import type { Logger } from '../../ports/logger.ts';
import { openBackend } from '../../shapes/registry.ts';
import { alarmedMetrics } from './alarmed-metrics.ts';
import { composeDeps, composeHttpApp, composeVerifier, type Stores } from './compose.ts';
import { createDashboardPage } from './dashboard.ts';
import { attachGraphqlSocket } from './graphql-socket.ts';
import { createNodeServer, type NodeServer } from './http-server.ts';
import { keyFilteredLedger } from './key-filtered-ledger.ts';
import { openPurchaseLimiter } from './purchase-limits.ts';
import { loadPurchaseTokenSecret } from './purchase-token-secret.ts';
import { type HttpThreads, startHttpThreads } from './threads/http-threads.ts';
import {
  type OrderWorkerThread,
  orderWorkerOnThread,
  startOrderWorkerThread,
} from './threads/order-worker-host.ts';
import { orderFeedRelay } from './threads/relayed-order-feed.ts';
import { ThreadsSoldOutSignal } from './threads/threads-sold-out-signal.ts';

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
  /** The configured alarms and their states, for a dashboard or a status page. */
  alarms(): AlarmStatus[];
  /** Graceful: readiness 503 at once, requests in flight finish (up to SHUTDOWN_TIMEOUT_MS), worker batch done. */
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
  const clock = options.clock ?? systemClock;
  let nodeServer: NodeServer | undefined;
  const alarms = new Alarms({
    rules: config.alarms,
    clock,
    logger,
    sample: alarmSampler(backend.queue, () => nodeServer?.inFlight() ?? 0, clock),
    ...(config.alarmWebhookUrl === undefined
      ? {}
      : { webhook: alarmWebhook(config.alarmWebhookUrl, logger) }),
  });
  const prometheus = createPrometheusMetrics({
    queue: backend.queue,
    inFlight: () => nodeServer?.inFlight() ?? 0,
    alarms: () => alarms.states(),
  });
  const threads = config.httpThreads > 1;
  // A shape whose sold-out news travels between processes (Redis) is joined to the threads' channel.
  const soldOut =
    threads && !ThreadsSoldOutSignal.reachesThreads(backend.soldOut)
      ? new ThreadsSoldOutSignal(backend.soldOut)
      : undefined;
  const purchaseLimits = openPurchaseLimiter(config, backend);
  // Every thread's store calls arrive here (extra threads call these over RPC), so they are timed once.
  const stores: Stores = {
    ledger: timedStore(backend.ledger, (op) => prometheus.backendTimer('ledger', op)),
    orders: timedStore(backend.orders, (op) => prometheus.backendTimer('orders', op)),
    queue: backend.queue,
    soldOut: soldOut ?? backend.soldOut,
    orderProjection: backend.orderProjection,
    purchaseLimiter: purchaseLimits?.limiter,
  };
  // This thread's requests meet the shared key filter before the timed ledger, as the other threads' do.
  const usedKeys = backend.usedKeys === undefined ? undefined : new KeyFilterReader(backend.usedKeys);
  await usedKeys?.load();
  const httpStores =
    usedKeys === undefined ? stores : { ...stores, ledger: keyFilteredLedger(stores.ledger, usedKeys) };
  const deps = {
    ...composeDeps(config, httpStores, clock, alarmedMetrics(prometheus.metrics, alarms)),
    orderNotifier: backend.orderFeed,
  };
  const graphql =
    backend.orderFeed === undefined
      ? undefined
      : new LazyGraphql({
          deps,
          feed: backend.orderFeed,
          onFault: (error) => logger.log('error', 'graphql operation failed', { error }),
        });
  const issuer = config.localAuth ? await loadLocalIssuer(config.dataDir) : undefined;
  let httpThreads: HttpThreads | undefined;
  // With the API in the same process on a shared store, the worker confirms on a thread of its own.
  const workerOnThread = options.runWorker !== false && orderWorkerOnThread(config);
  let workerThread: OrderWorkerThread | undefined;
  const metricsSnapshots = async () => [
    await prometheus.snapshot(),
    ...((await httpThreads?.snapshots()) ?? []),
    ...(workerThread === undefined ? [] : [await workerThread.snapshot()]),
  ];
  const metricsText = async () => aggregatedText(await metricsSnapshots());
  const dashboardSource = new DashboardCollector({
    deps,
    backend: backend.name,
    metrics: metricsSnapshots,
    alarms: () =>
      alarms.states().map((a) => ({
        name: a.name,
        state: a.state,
        since: a.since,
        lastValue: a.lastValue ?? null,
      })),
  });
  const dashboard = createDashboardPage(dashboardSource, logger);
  let ready = true;
  // With more than one HTTP thread, a token verified on one is known to all (see BroadcastVerifiedTokens).
  const tokenShare = threads ? new BroadcastVerifiedTokens() : undefined;
  const app = composeHttpApp(config, deps, {
    localJwks: issuer?.jwks,
    tokenShare,
    prometheus,
    // Summed over every thread that keeps counters: the extra HTTP threads and the order worker thread.
    ...(threads || workerOnThread ? { metricsText } : {}),
    logger,
    observe: (route, status, seconds) => {
      prometheus.observeHttp(route, status, seconds);
      alarms.recordHttp(status, seconds);
    },
    ready: () => ready,
    dashboard,
    graphql,
  });
  const worker = new OrderWorker(
    deps,
    { maxAttempts: config.workerMaxAttempts, ...options.worker },
    (error) => logger.log('error', 'order worker failed', { error }),
    logger,
  );
  if (workerOnThread) workerThread = await startOrderWorkerThread({ config, alarms, logger });
  else if (options.runWorker !== false && config.role !== 'api') worker.start();
  alarms.start();
  nodeServer = createNodeServer(app);
  const { server } = nodeServer;
  const graphqlSocket =
    graphql === undefined
      ? undefined
      : attachGraphqlSocket(server, {
          graphql,
          verifier: composeVerifier(config, issuer?.jwks),
          clock,
          trustedProxies: new TrustedProxies(config.trustedProxies),
        });
  const feedRelay =
    threads && backend.orderFeed !== undefined ? orderFeedRelay(backend.orderFeed) : undefined;
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
        dashboard: dashboardSource,
        logger,
        alarms,
        orderFeed: feedRelay,
        usedKeys: backend.usedKeys,
        limiterWindows: purchaseLimits?.windows,
      })
    : undefined;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const metricsServer =
    config.metricsPort === undefined
      ? undefined
      : createNodeServer(createMetricsApp({ metricsText, metricsToken: config.metricsToken }));
  if (metricsServer !== undefined)
    await listen(metricsServer.server, config.metricsPort!, config.host, false);
  const url = `http://${host}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    metricsUrl:
      metricsServer === undefined
        ? `${url}/metrics`
        : `http://${host}:${(metricsServer.server.address() as AddressInfo).port}/metrics`,
    app,
    deps,
    worker,
    backend,
    issuer,
    httpThreads,
    alarms: () => alarms.states(),
    close() {
      // Not ready at once (the load balancer stops sending), then: stop accepting, let requests in
      // flight finish (up to the deadline), let the worker finish its batch, close the store.
      ready = false;
      dashboard.feed.close();
      closing ??= (async () => {
        await Promise.all([graphqlSocket?.close(), graphql?.close()]);
        await Promise.all([
          httpThreads?.stop(),
          nodeServer.drain(config.shutdownTimeoutMs),
          metricsServer?.drain(config.shutdownTimeoutMs),
        ]);
        feedRelay?.close();
        tokenShare?.close();
        await Promise.all([worker.stop(), workerThread?.stop()]);
        await alarms.stop();
        deps.soldOutBoard.close();
        await soldOut?.close();
        await backend.close();
      })();
      return closing;
    },
  };
}

/** The gauges an alarm may watch, read only when a rule watches them. */
function alarmSampler(queue: EventQueue, inFlight: () => number, clock: Clock): AlarmSampler {
  return async (metrics) => {
    const values: Partial<Record<AlarmMetric, number>> = { in_flight_requests: inFlight() };
    if (
      metrics.has('queue_pending') ||
      metrics.has('dead_letters') ||
      metrics.has('queue_oldest_age_seconds')
    ) {
      const depth = await queue.depth();
      values.queue_pending = depth.pending;
      values.dead_letters = depth.dead;
      values.queue_oldest_age_seconds =
        depth.oldestPendingAt === undefined ? 0 : Math.max(0, (clock.now() - depth.oldestPendingAt) / 1000);
    }
    return values;
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
