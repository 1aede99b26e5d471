import type { JSONWebKeySet } from 'jose';
import { type AppDeps, composeAppDeps } from '../../app/deps.ts';
import { SoldOutBoard } from '../../app/sold-out-board.ts';
import type { Config } from '../../config.ts';
import { TokenBuckets } from '../../domain/token-bucket.ts';
import { LOCAL_AUDIENCE, LOCAL_ISSUER } from '../../http/auth/local-issuer.ts';
import { createTokenVerifier } from '../../http/auth/token-verifier.ts';
import type { DashboardPage } from '../../http/dashboard-routes.ts';
import { createHttpApp, type HttpApp } from '../../http/http-app.ts';
import type { Logger } from '../../observability/logger.ts';
import type { MetricsText, PrometheusMetrics } from '../../observability/prometheus.ts';
import type { Backend } from '../../ports/backend.ts';
import type { Clock } from '../../ports/clock.ts';

export type Stores = Pick<Backend, 'ledger' | 'orders' | 'queue' | 'soldOut' | 'orderProjection'>;

/** What the use cases of one thread get: the stores, plus this thread's own caches and limits. */
export function composeDeps(
  config: Config,
  stores: Stores,
  clock: Clock,
  prometheus: PrometheusMetrics,
): AppDeps & { readonly soldOutBoard: SoldOutBoard } {
  const soldOutBoard = new SoldOutBoard({
    ledger: stores.ledger,
    signal: stores.soldOut,
    now: () => clock.now(),
  });
  const deps = composeAppDeps(stores, {
    clock,
    metrics: prometheus.metrics,
    purchaseLimiter:
      config.rateLimitPerSecond > 0
        ? new TokenBuckets({ ratePerSecond: config.rateLimitPerSecond, burst: config.rateLimitBurst })
        : undefined,
    soldOutBoard,
    saleCache: true,
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
    readonly dashboard?: DashboardPage;
  },
): HttpApp {
  const { remoteAuth } = config;
  const verifier = createTokenVerifier(
    remoteAuth === undefined
      ? { jwks: options.localJwks!, issuer: LOCAL_ISSUER, audience: LOCAL_AUDIENCE }
      : { jwks: remoteAuth.jwksUrl, issuer: remoteAuth.issuer, audience: remoteAuth.audience },
  );
  return createHttpApp({
    deps,
    verifier,
    ...(options.localJwks === undefined ? {} : { jwks: options.localJwks }),
    metricsText: options.metricsText ?? options.prometheus.text,
    observe: options.prometheus.observeHttp,
    dashboard: options.dashboard,
    onError: (error, request) =>
      options.logger.log('error', 'request failed', { error, method: request.method, url: request.url }),
  });
}
