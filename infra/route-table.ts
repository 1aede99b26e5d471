import type { AppDeps } from '../src/app/deps.ts';
import { createHttpApp } from '../src/http/http-app.ts';

export interface ApiRoute {
  readonly method: 'GET' | 'POST';
  /** API Gateway syntax: /v1/sales/{id} */
  readonly path: string;
  readonly access: 'public' | 'shopper' | 'admin';
}

/**
 * The routes of the one app, read from the app itself, so the HTTP API
 * cannot drift from what the function serves: public routes go without an
 * authorizer, every other route behind the Cognito JWT authorizer. Building
 * the app only registers routes; nothing here touches its dependencies.
 */
export function apiRouteTable(): ApiRoute[] {
  const unused = new Proxy(
    {},
    { get: () => () => Promise.reject(new Error('not for synth')) },
  ) as unknown as AppDeps;
  const app = createHttpApp({
    deps: unused,
    authenticator: { authenticate: () => Promise.reject(new Error('not for synth')) },
  });
  return app.routes.map((route) => ({
    method: route.method,
    path: route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}'),
    access: route.access,
  }));
}
