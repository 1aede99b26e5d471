import type { JSONWebKeySet } from 'jose';
import { type AppDeps, composeAppDeps } from '../../app/deps.ts';
import { PurchaseTokens } from '../../app/purchase-tokens.ts';
import { SoldOutBoard } from '../../app/sold-out-board.ts';
import type { Config } from '../../config.ts';
import { LOCAL_CLIENT_ID, LOCAL_ISSUER } from '../../http/auth/local-issuer.ts';
import {
  createTokenVerifier,
  type TokenVerifier,
  type VerifiedTokenShare,
} from '../../http/auth/token-verifier.ts';
import { TrustedProxies } from '../../http/client-address.ts';
import type { DashboardPage } from '../../http/dashboard-routes.ts';
import type { LazyGraphql } from '../../http/graphql-routes.ts';
import { createHttpApp, type HttpApp } from '../../http/http-app.ts';
import type { MetricsText, PrometheusMetrics } from '../../observability/prometheus.ts';
import type { Backend } from '../../ports/backend.ts';
import type { Clock } from '../../ports/clock.ts';
import type { Logger } from '../../ports/logger.ts';
import type { Metrics } from '../../ports/metrics.ts';
import type { PurchaseLimiter } from '../../ports/purchase-limiter.ts';

export type Stores = Pick<Backend, 'ledger' | 'orders' | 'queue' | 'soldOut' | 'orderProjection'> & {
  /** Shared by every thread of the process (and every process, where the backend shares it). */
  readonly purchaseLimiter: PurchaseLimiter | undefined;
};

/** What the use cases of one thread get: the stores and limiter, the token signer, and this thread's own caches. */
export function composeDeps(
  config: Config,
  stores: Stores,
  clock: Clock,
  metrics: Metrics,
): AppDeps & { readonly soldOutBoard: SoldOutBoard } {
  const soldOutBoard = new SoldOutBoard({
    ledger: stores.ledger,
    signal: stores.soldOut,
    now: () => clock.now(),
  });
  const deps = composeAppDeps(stores, {
    clock,
    metrics,
    purchaseLimiter: stores.purchaseLimiter,
    soldOutBoard,
    saleCache: true,
    purchaseTokens:
      config.purchaseTokenSecret === undefined ? undefined : new PurchaseTokens(config.purchaseTokenSecret),
  });
  return { ...deps, soldOutBoard };
}

/** The HTTP app of one thread: routes over `deps`, tokens checked against the local or a remote JWKS. */
export function composeHttpApp(
  config: Config,
  deps: AppDeps,
  options: {
    readonly localJwks: JSONWebKeySet | undefined;
    readonly prometheus: PrometheusMetrics;
    /** What /metrics serves; this thread's registry unless the runtime sums several. */
    readonly metricsText?: () => Promise<MetricsText>;
    readonly logger: Logger;
    /** Where each answer is reported; default: the Prometheus histogram. */
    readonly observe?: (route: string, status: number, seconds: number) => void;
    readonly ready?: () => boolean;
    readonly dashboard?: DashboardPage;
    readonly graphql?: LazyGraphql | undefined;
    /** Verified tokens shared with the process's other HTTP threads, when there are any. */
    readonly tokenShare?: VerifiedTokenShare | undefined;
  },
): HttpApp {
  return createHttpApp({
    deps,
    verifier: composeVerifier(config, options.localJwks, options.tokenShare),
    ...(options.localJwks === undefined ? {} : { jwks: options.localJwks }),
    // With --metrics-port, /metrics is served there alone (see start.ts), not beside the API.
    ...(config.metricsPort === undefined
      ? { metricsText: options.metricsText ?? options.prometheus.text }
      : {}),
    metricsToken: config.metricsToken,
    observe: options.observe ?? options.prometheus.observeHttp,
    trustedProxies: new TrustedProxies(config.trustedProxies),
    logger: options.logger,
    ...(options.ready === undefined ? {} : { ready: options.ready }),
    dashboard: options.dashboard,
    graphql: options.graphql,
  });
}

/** Checks tokens against the local issuer's keys or the configured remote JWKS (Cognito). */
export function composeVerifier(
  config: Config,
  localJwks: JSONWebKeySet | undefined,
  share?: VerifiedTokenShare,
): TokenVerifier {
  const { remoteAuth } = config;
  return createTokenVerifier({
    ...(remoteAuth === undefined
      ? { jwks: localJwks!, issuer: LOCAL_ISSUER, clientIds: [LOCAL_CLIENT_ID] }
      : { jwks: remoteAuth.jwksUrl, issuer: remoteAuth.issuer, clientIds: remoteAuth.clientIds }),
    ...(share === undefined ? {} : { share }),
  });
}
