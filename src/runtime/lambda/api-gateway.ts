import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { HttpRequest, HttpResponse } from '../../http/types.ts';

/** An HTTP API (payload 2.0) event; routes without an authorizer carry no `authorizer`. */
export type HttpApiEvent = Omit<APIGatewayProxyEventV2WithJWTAuthorizer, 'requestContext'> & {
  readonly requestContext: Omit<APIGatewayProxyEventV2WithJWTAuthorizer['requestContext'], 'authorizer'> & {
    readonly authorizer?: APIGatewayProxyEventV2WithJWTAuthorizer['requestContext']['authorizer'];
  };
};

/**
 * The event as the app's request. The path is `rawPath` (the stack uses the
 * `$default` stage, so no stage prefix); claims come from the request
 * context, where API Gateway's JWT authorizer put them after verifying.
 */
export function requestFromEvent(event: HttpApiEvent): HttpRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  if (event.cookies !== undefined && event.cookies.length > 0) headers.cookie = event.cookies.join('; ');
  const raw = event.body ?? '';
  const claims = event.requestContext.authorizer?.jwt?.claims;
  return {
    method: event.requestContext.http.method,
    url: event.rawQueryString ? `${event.rawPath}?${event.rawQueryString}` : event.rawPath,
    headers,
    body: event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw,
    // API Gateway's own reading of the client (it resolves X-Forwarded-For itself).
    remoteAddress: event.requestContext.http.sourceIp,
    ...(claims === undefined ? {} : { verifiedClaims: claims }),
  };
}

export function resultFromResponse(
  response: HttpResponse,
  method: string,
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: response.status,
    headers: { ...response.headers },
    body: method.toUpperCase() === 'HEAD' ? '' : response.body,
    isBase64Encoded: false,
  };
}
