/**
 * One extra HTTP thread: accepts connections on the server's port (the
 * kernel spreads them over every thread listening with SO_REUSEPORT) and
 * serves the same app. It owns no store: ledger, orders and queue are the
 * main thread's, reached by message passing, so the stock has one truth and
 * one writer. Sold-out flags, known sales and verified tokens are kept per
 * thread, and the ledger's used keys are read from shared memory; sold-out
 * news crosses threads on a BroadcastChannel. Rate limits are counted once
 * per process: in shared memory by every thread (embedded), or by the main
 * thread's limiter, asked by message (a store that keeps the counts: Redis).
 */
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { BroadcastSoldOutSignal } from '../../../adapters/memory/broadcast-sold-out-signal.ts';
import { BroadcastVerifiedTokens } from '../../../adapters/memory/broadcast-verified-tokens.ts';
import { KeyFilterReader } from '../../../adapters/memory/key-filter.ts';
import type { SnapshotSource } from '../../../dashboard/feed.ts';
import { TrustedProxies } from '../../../http/client-address.ts';
import { LazyGraphql } from '../../../http/graphql-routes.ts';
import { foldHttp, type HttpSummary } from '../../../observability/http-fold.ts';
import { createLogger } from '../../../observability/logger.ts';
import { createPrometheusMetrics, type MetricsText } from '../../../observability/prometheus.ts';
import { systemClock } from '../../../ports/clock.ts';
import type { EventQueue } from '../../../ports/event-queue.ts';
import type { OrderStore } from '../../../ports/order-store.ts';
import type { PurchaseLimiter } from '../../../ports/purchase-limiter.ts';
import type { KeyFilterSource } from '../../../ports/shared-key-filter.ts';
import type { StockLedger } from '../../../ports/stock-ledger.ts';
import { composeDeps, composeHttpApp, composeVerifier } from '../compose.ts';
import { createDashboardPage } from '../dashboard.ts';
import { attachGraphqlSocket } from '../graphql-socket.ts';
import { createNodeServer, type NodeServer } from '../http-server.ts';
import { keyFilteredLedger } from '../key-filtered-ledger.ts';
import { threadPurchaseLimiter } from '../purchase-limits.ts';
import { rpcClient, serveRpc } from './port-rpc.ts';
import { type OrderFeedRelay, RelayedOrderFeed } from './relayed-order-feed.ts';
import { configFromThread, type HttpThreadData, THREAD_LISTENING, THREAD_STOP } from './thread-messages.ts';

const port = parentPort!;
const data = workerData as HttpThreadData;
const config = configFromThread(data.config);
const client = rpcClient(port);
const queue = client.remote<EventQueue>('queue');
const ledger = client.remote<StockLedger>('ledger');
const usedKeys = data.usedKeys ? new KeyFilterReader(client.remote<KeyFilterSource>('usedKeys')) : undefined;
await usedKeys?.load();
const stores = {
  ledger: usedKeys === undefined ? ledger : keyFilteredLedger(ledger, usedKeys),
  orders: client.remote<OrderStore>('orders'),
  queue,
  soldOut: new BroadcastSoldOutSignal(),
  purchaseLimiter: threadPurchaseLimiter(config, data.limiterWindows, () =>
    client.remote<PurchaseLimiter>('limiter'),
  ),
};
let nodeServer: NodeServer | undefined;
const prometheus = createPrometheusMetrics({ inFlight: () => nodeServer?.inFlight() ?? 0 });
serveRpc(port, { metrics: { snapshot: () => prometheus.snapshot() } });
const deps = composeDeps(config, stores, systemClock, prometheus.metrics);
const orderFeed = data.graphql ? new RelayedOrderFeed(client.remote<OrderFeedRelay>('orderFeed')) : undefined;
const graphql =
  orderFeed === undefined
    ? undefined
    : new LazyGraphql({
        deps,
        feed: orderFeed,
        onFault: (error) => logger.log('error', 'graphql operation failed', { error }),
      });
// The alarms are evaluated on the main thread: this thread's answers go there folded, once a second.
const alarms = client.remote<{ recordHttpSummary(summary: HttpSummary): Promise<void> }>('alarms');
const alarmFeed = foldHttp((summary) => void alarms.recordHttpSummary(summary).catch(() => {}));
let ready = true;
const logger = createLogger({ level: config.logLevel, base: { thread: threadId } });
const dashboard = createDashboardPage(client.remote<SnapshotSource>('dashboard'), logger);
const tokenShare = new BroadcastVerifiedTokens();
const app = composeHttpApp(config, deps, {
  localJwks: data.localJwks,
  tokenShare,
  prometheus,
  // Whichever thread takes the scrape answers with the sum of every thread.
  metricsText: () => client.remote<{ text(): Promise<MetricsText> }>('metrics').text(),
  logger,
  observe: (route, status, seconds) => {
    prometheus.observeHttp(route, status, seconds);
    alarmFeed.observe(status, seconds);
  },
  ready: () => ready,
  dashboard,
  graphql,
});
nodeServer = createNodeServer(app);
const { server } = nodeServer;
const graphqlSocket =
  graphql === undefined
    ? undefined
    : attachGraphqlSocket(server, {
        graphql,
        verifier: composeVerifier(config, data.localJwks),
        clock: systemClock,
        trustedProxies: new TrustedProxies(config.trustedProxies),
      });

server.listen({ port: data.port, host: config.host, reusePort: true }, () =>
  port.postMessage(THREAD_LISTENING),
);
port.on('message', (message: unknown) => {
  if (message !== THREAD_STOP) return;
  ready = false;
  alarmFeed.stop();
  dashboard.feed.close();
  void Promise.all([graphqlSocket?.close(), graphql?.close()])
    .then(() => nodeServer.drain(config.shutdownTimeoutMs))
    .then(async () => {
      await orderFeed?.close();
      tokenShare.close();
      deps.soldOutBoard.close();
      await stores.soldOut.close();
      port.close();
    });
});
