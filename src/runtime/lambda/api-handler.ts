import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { verifiedClaimsAuthenticator } from '../../http/auth/authenticator.ts';
import { createHttpApp, type HttpApp } from '../../http/http-app.ts';
import { type HttpApiEvent, requestFromEvent, resultFromResponse } from './api-gateway.ts';
import type { LambdaRuntime } from './compose.ts';
import type { InvocationContext } from './context.ts';

/** The app of the Node server, authenticating with the claims API Gateway's JWT authorizer verified. */
export function createLambdaHttpApp(runtime: LambdaRuntime): HttpApp {
  const { deps, emf, logger, config } = runtime;
  return createHttpApp({
    deps,
    authenticator: verifiedClaimsAuthenticator({ adminGroup: config.adminGroup }),
    observe: emf.observeHttp,
    logger,
  });
}

/** API Gateway HTTP API -> the same app the Node server runs (one route table, two runtimes). */
export function createApiHandler(runtime: LambdaRuntime) {
  const { emf } = runtime;
  const app = createLambdaHttpApp(runtime);
  return async (
    event: HttpApiEvent,
    _context?: InvocationContext,
  ): Promise<APIGatewayProxyStructuredResultV2> => {
    try {
      const response = await app.handle(requestFromEvent(event));
      return resultFromResponse(response, event.requestContext.http.method);
    } finally {
      emf.flush();
    }
  };
}
