import { errorResponse, type HttpApp } from './http-app.ts';
import { HttpError } from './http-error.ts';
import { checkMetricsToken } from './metrics-access.ts';
import type { HttpRequest, HttpResponse } from './types.ts';

/**
 * What listens on `--metrics-port`: GET /metrics and nothing else, so the
 * port can be opened to the scraper alone while the API port carries no
 * metrics at all.
 */
export function createMetricsApp(options: {
  readonly metricsText: () => Promise<{ contentType: string; body: string }>;
  readonly metricsToken: string | undefined;
}): HttpApp {
  return {
    routes: [],
    async handle(request: HttpRequest): Promise<HttpResponse> {
      try {
        const path = request.url.split('?', 1)[0];
        if (path !== '/metrics') throw new HttpError('not_found', 'this port serves GET /metrics only');
        const method = request.method.toUpperCase();
        if (method !== 'GET' && method !== 'HEAD') {
          throw new HttpError('method_not_allowed', 'use GET on this path', { details: { allow: ['GET'] } });
        }
        checkMetricsToken(request.headers.authorization, options.metricsToken);
        const { contentType, body } = await options.metricsText();
        return { status: 200, headers: { 'content-type': contentType }, body };
      } catch (error) {
        return errorResponse(error);
      }
    },
    refuse(_request: HttpRequest, error: unknown): HttpResponse {
      return errorResponse(error);
    },
  };
}
