import type { JSONWebKeySet } from 'jose';
import { addRoute, createRouter, findRoute } from 'rou3';
import type { z } from 'zod';
import type { AppDeps } from '../app/deps.ts';
import { FlashSaleError } from '../domain/errors.ts';
import type { Logger } from '../ports/logger.ts';
import { type Authenticator, bearerTokenAuthenticator } from './auth/authenticator.ts';
import type { TokenVerifier } from './auth/token-verifier.ts';
import { TrustedProxies } from './client-address.ts';
import { type DashboardPage, dashboardRoutes } from './dashboard-routes.ts';
import { HTTP_STATUS } from './error-catalogue.ts';
import type { LazyGraphql } from './graphql-routes.ts';
import { HttpError } from './http-error.ts';
import { checkMetricsToken } from './metrics-access.ts';
import { REQUEST_ID_HEADER, requestIdOf } from './request-id.ts';
import type { RequestSchemas, Route, RouteResult } from './route.ts';
import { apiRoutes } from './routes.ts';
import { type HttpRequest, type HttpResponse, MAX_BODY_BYTES } from './types.ts';

interface HttpAppBaseOptions {
  readonly deps: AppDeps;
  /** Served at /.well-known/jwks.json when this server is its own token issuer. */
  readonly jwks?: JSONWebKeySet;
  readonly metricsText?: () => Promise<{ contentType: string; body: string }>;
  /** When set, /metrics asks for this bearer token (METRICS_TOKEN). */
  readonly metricsToken?: string | undefined;
  readonly observe?: (route: string, status: number, seconds: number) => void;
  readonly onError?: (error: unknown, request: HttpRequest) => void;
  /** Peers whose X-Forwarded-For names the client; none by default (the peer is the client). */
  readonly trustedProxies?: TrustedProxies;
  /**
   * Faults (`request failed`, error) and, at debug only, one access line per
   * request; every line carries the request id. Nothing at info on the
   * request path: a line per purchase would cost more than the purchase.
   */
  readonly logger?: Logger;
  /** False once the process is shutting down: /readyz answers 503 so the load balancer stops sending. */
  readonly ready?: () => boolean;
  /** The operator's page and its live stream: only a runtime that can stream responses (Node) sets it. */
  readonly dashboard?: DashboardPage | undefined;
  /** GraphQL at /graphql, beside REST; loaded on its first request (a runtime without it bundles none of it). */
  readonly graphql?: LazyGraphql | undefined;
}

/**
 * Who may call what: either a token verifier (the app checks bearer tokens
 * itself: Node) or an authenticator of the runtime's choice (Lambda trusts
 * what API Gateway's JWT authorizer verified). One or the other, never both.
 */
export type HttpAppOptions = HttpAppBaseOptions &
  (
    | { readonly verifier: TokenVerifier; readonly authenticator?: never }
    | { readonly authenticator: Authenticator; readonly verifier?: never }
  );

export interface HttpApp {
  handle(request: HttpRequest): Promise<HttpResponse>;
  /**
   * Answers a request the runtime refused before handing it over (a body
   * over the limit), counted and logged under its route like any other.
   */
  refuse(request: HttpRequest, error: unknown): HttpResponse;
  readonly routes: readonly Route[];
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' } as const;

/** A route and the decoded parameters of the path it matched; shared by every request on that path. */
interface RouteMatch {
  readonly route: Route;
  readonly params: Readonly<Record<string, string>>;
}

/** Route matches kept by method and path (see `find`). */
const ROUTE_MATCHES_KEPT = 1_024;

/** The one application every runtime calls: node:http, Lambda, and route tests alike. */
export function createHttpApp(options: HttpAppOptions): HttpApp {
  const authenticator = options.authenticator ?? bearerTokenAuthenticator(options.verifier);
  const proxies = options.trustedProxies ?? new TrustedProxies([]);
  const routes = [
    ...operationalRoutes(options),
    ...apiRoutes(options.deps),
    ...(options.dashboard === undefined ? [] : dashboardRoutes(options.dashboard)),
    ...(options.graphql?.routes() ?? []),
  ];
  // Built on first request, from a module loaded then: a Lambda cold start neither loads nor runs
  // the JSON Schema generator unless someone asks for the document.
  let openApi: Promise<string> | undefined;
  routes.push({
    method: 'GET',
    path: '/openapi.json',
    access: 'public',
    summary: 'This document',
    responses: [{ status: 200, description: 'OpenAPI 3.1' }],
    async handle() {
      openApi ??= import('./openapi.ts').then(({ buildOpenApi }) => JSON.stringify(buildOpenApi(routes)));
      return { status: 200, body: await openApi, contentType: 'application/json; charset=utf-8' };
    },
  });
  // Imported by the first request that has a body to check: see RequestSchemas.
  let schemas: RequestSchemas | undefined;
  const loadSchemas = async (): Promise<RequestSchemas> => {
    schemas = await import('./request-schemas.ts');
    return schemas;
  };
  const router = createRouter<Route>();
  for (const r of routes) addRoute(router, r.method, r.path, r);

  /**
   * The latest matches by method and path: a stampede asks the same few
   * paths (one sale's purchase URL) again and again, and a hit spares the
   * router's walk and the parameters' decoding. Bounded: the oldest entry
   * goes first, so a client sending endless new paths only ever costs the
   * walk it would have cost anyway. Misses are not kept.
   */
  const matches = new Map<string, RouteMatch>();
  /** The route and its decoded parameters; none for an unknown path or a parameter that is no valid %-encoding. */
  function find(method: string, path: string): RouteMatch | undefined {
    const key = `${method} ${path}`;
    const cached = matches.get(key);
    if (cached !== undefined) return cached;
    const found = findRoute(router, method, path);
    if (found === undefined) return undefined;
    const params: Record<string, string> = {};
    for (const [name, value] of Object.entries(found.params ?? {})) {
      try {
        params[name] = decodeURIComponent(value);
      } catch {
        return undefined;
      }
    }
    const match: RouteMatch = Object.freeze({ route: found.data, params: Object.freeze(params) });
    if (matches.size >= ROUTE_MATCHES_KEPT) matches.delete(matches.keys().next().value!);
    matches.set(key, match);
    return match;
  }

  /** The route a path belongs to, whatever the method: the label its answers are counted and logged under. */
  function routeOf(path: string): string {
    for (const m of ['GET', 'POST'] as const) {
      const found = find(m, path);
      if (found !== undefined) return found.route.path;
    }
    return 'unmatched';
  }

  /** `matched.path` is set as soon as the route is known, so a refusal is counted under its route. */
  async function dispatch(
    request: HttpRequest,
    matched: { path: string },
    requestId: string,
  ): Promise<RouteResult> {
    const method = request.method.toUpperCase();
    const path = request.url.split('?', 1)[0]!;
    const found = find(method === 'HEAD' ? 'GET' : method, path);
    if (found === undefined) {
      const allowed = ['GET', 'POST'].filter((m) => find(m, path) !== undefined);
      if (allowed.length > 0) {
        matched.path = routeOf(path);
        throw new HttpError('method_not_allowed', `use ${allowed.join(' or ')} on this path`, {
          details: { allow: allowed },
        });
      }
      throw new HttpError('not_found', `no route for ${method} ${path}`);
    }
    const r = found.route;
    matched.path = r.path;
    if (r.path === '/metrics') checkMetricsToken(request.headers.authorization, options.metricsToken);
    const now = options.deps.clock.now();
    const actor =
      r.access !== 'public'
        ? await authenticator.authenticate(request, now)
        : r.identifiesCaller === true
          ? await authenticator.identify?.(request, now)
          : undefined;
    if (r.access === 'admin' && !actor!.isAdmin) {
      throw new HttpError('forbidden', 'this route needs the admin role');
    }
    const body =
      r.body === undefined ? undefined : parseBody(r.body(schemas ?? (await loadSchemas())), request);
    const clientAddress = proxies.clientOf(request.remoteAddress, request.headers['x-forwarded-for']);
    return r.handle({
      params: found.params,
      actor,
      body,
      headers: request.headers,
      clientAddress,
      requestId,
      request,
    });
  }

  const { logger } = options;
  function fault(error: unknown, request: HttpRequest, requestId: string, route: string): void {
    if (isRefusal(error) && HTTP_STATUS[error.code] < 500) return;
    options.onError?.(error, request);
    logger?.log('error', 'request failed', {
      requestId,
      route,
      method: request.method,
      path: request.url.split('?', 1)[0],
      error,
    });
  }

  function answered(
    request: HttpRequest,
    response: HttpResponse,
    requestId: string,
    route: string,
    started: number,
  ): HttpResponse {
    const seconds = (performance.now() - started) / 1000;
    options.observe?.(route, response.status, seconds);
    if (logger?.enabled('debug')) {
      // Headers pass through the logger's redaction: no bearer token, cookie or purchase token.
      logger.log('debug', 'request', {
        requestId,
        route,
        method: request.method,
        path: request.url.split('?', 1)[0],
        status: response.status,
        ms: Math.round(seconds * 1e6) / 1e3,
        headers: request.headers,
      });
    }
    return { ...response, headers: { ...response.headers, [REQUEST_ID_HEADER]: requestId } };
  }

  return {
    routes,
    async handle(request) {
      const started = performance.now();
      const requestId = requestIdOf(request.headers);
      let response: HttpResponse;
      const matched = { path: 'unmatched' };
      try {
        response = toResponse(await dispatch(request, matched, requestId));
      } catch (error) {
        fault(error, request, requestId, matched.path);
        response = errorResponse(error);
      }
      return answered(request, response, requestId, matched.path, started);
    },
    refuse(request, error) {
      const started = performance.now();
      const requestId = requestIdOf(request.headers);
      const route = routeOf(request.url.split('?', 1)[0]!);
      fault(error, request, requestId, route);
      return answered(request, errorResponse(error), requestId, route, started);
    },
  };
}

/**
 * `application/json`, with no parameter but an optional utf-8 charset. A
 * missing type, `application/json-seq` or a `+json` vocabulary (merge-patch,
 * problem+json...) is another format than the one the schema describes.
 */
function isJsonContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  if (contentType === 'application/json') return true;
  const [type, ...parameters] = contentType.split(';').map((part) => part.trim().toLowerCase());
  if (type !== 'application/json') return false;
  return parameters.every((parameter) => /^charset="?utf-8"?$/.test(parameter));
}

function parseBody(schema: z.ZodType, request: HttpRequest): unknown {
  if (Buffer.byteLength(request.body) > MAX_BODY_BYTES) {
    throw new HttpError('payload_too_large', `the body is over ${MAX_BODY_BYTES} bytes`);
  }
  if (!isJsonContentType(request.headers['content-type'])) {
    throw new HttpError(
      'unsupported_media_type',
      'send the body with Content-Type: application/json (charset utf-8, if any)',
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(request.body);
  } catch {
    throw new HttpError('invalid_json', 'the body is not valid JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      path: issue.path.join('.'),
      message: issue.message,
    }));
    const first = issues[0];
    throw new HttpError(
      'validation_failed',
      first === undefined ? 'invalid body' : `${first.path || 'body'}: ${first.message}`,
      { details: { issues } },
    );
  }
  return parsed.data;
}

function toResponse(result: RouteResult): HttpResponse {
  if (result.contentType !== undefined) {
    return {
      status: result.status,
      headers: { ...result.headers, 'content-type': result.contentType },
      body: String(result.body),
      ...(result.stream === undefined ? {} : { stream: result.stream }),
    };
  }
  return {
    status: result.status,
    headers: { ...result.headers, ...JSON_HEADERS },
    body: JSON.stringify(result.body),
  };
}

/** A refusal raised on purpose, by a use case or by the HTTP edge; anything else is a fault. */
function isRefusal(error: unknown): error is FlashSaleError | HttpError {
  return error instanceof FlashSaleError || error instanceof HttpError;
}

/**
 * Answers to refusals without details never change (a stampede gets millions
 * of the same sold_out): built once per code and message, then reused.
 */
const plainRefusals = new Map<string, HttpResponse>();
const PLAIN_REFUSALS_MAX = 1_000;
/**
 * The answers to refusals the use cases throw again and again: the same
 * frozen error object (see purchase.ts), which can never say anything else.
 */
const answersByError = new WeakMap<FlashSaleError, HttpResponse>();

export function errorResponse(error: unknown): HttpResponse {
  if (!(error instanceof FlashSaleError)) return buildErrorResponse(error);
  if (Object.isFrozen(error)) {
    let response = answersByError.get(error);
    if (response === undefined) {
      response = buildErrorResponse(error);
      answersByError.set(error, response);
    }
    return response;
  }
  if (error.details === undefined) {
    const key = `${error.code}\u0000${error.message}`;
    let response = plainRefusals.get(key);
    if (response === undefined) {
      response = buildErrorResponse(error);
      if (plainRefusals.size < PLAIN_REFUSALS_MAX) plainRefusals.set(key, response);
    }
    return response;
  }
  return buildErrorResponse(error);
}

function buildErrorResponse(error: unknown): HttpResponse {
  const known = isRefusal(error);
  const code = known ? error.code : 'internal_error';
  const message = known ? error.message : 'internal error: the request was not applied; retry it';
  const details = known ? error.details : undefined;
  const headers: Record<string, string> = { ...JSON_HEADERS };
  // A store that did not answer may answer in a moment: every 503 says when to try again.
  const retryAfter = details?.retryAfterSeconds ?? (code === 'backend_unavailable' ? 1 : undefined);
  if (typeof retryAfter === 'number') headers['retry-after'] = String(Math.max(1, retryAfter));
  if (code === 'method_not_allowed' && Array.isArray(details?.allow))
    headers.allow = details.allow.join(', ');
  return {
    status: HTTP_STATUS[code],
    headers,
    body: JSON.stringify({ error: details === undefined ? { code, message } : { code, message, details } }),
  };
}

function operationalRoutes(options: HttpAppOptions): Route[] {
  const routes: Route[] = [
    {
      method: 'GET',
      path: '/healthz',
      access: 'public',
      summary: 'Liveness',
      responses: [{ status: 200, description: 'alive', schema: (s) => s.healthResponse }],
      handle: async () => ({ status: 200, body: { status: 'ok' } }),
    },
    {
      method: 'GET',
      path: '/readyz',
      access: 'public',
      summary: 'Readiness: the backend answers',
      responses: [
        { status: 200, description: 'ready', schema: (s) => s.healthResponse },
        { status: 503, description: 'not' },
      ],
      async handle() {
        if (options.ready?.() === false) {
          throw new FlashSaleError(
            'backend_unavailable',
            'shutting down: send requests to another instance',
            {
              details: { retryAfterSeconds: 1 },
            },
          );
        }
        const ready = await options.deps.ledger.ping().catch(() => false);
        if (!ready) throw new FlashSaleError('backend_unavailable', 'the store does not answer');
        return { status: 200, body: { status: 'ready' } };
      },
    },
  ];
  const { metricsText, jwks } = options;
  if (metricsText !== undefined) {
    routes.push({
      method: 'GET',
      path: '/metrics',
      access: 'public',
      summary: 'Prometheus metrics',
      responses: [{ status: 200, description: 'Prometheus text format' }],
      async handle() {
        const { contentType, body } = await metricsText();
        return { status: 200, body, contentType };
      },
    });
  }
  if (jwks !== undefined) {
    routes.push({
      method: 'GET',
      path: '/.well-known/jwks.json',
      access: 'public',
      summary: 'Public keys of the local token issuer',
      responses: [{ status: 200, description: 'JWKS' }],
      handle: async () => ({ status: 200, body: jwks }),
    });
  }
  return routes;
}
