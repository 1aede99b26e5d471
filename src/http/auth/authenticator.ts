import type { Actor } from '../../domain/actor.ts';
import { HttpError } from '../http-error.ts';
import type { HttpRequest } from '../types.ts';
import type { TokenVerifier } from './token-verifier.ts';

/** Says who sent a request to a non-public route, or throws HttpError('unauthorized'). */
export interface Authenticator {
  authenticate(request: HttpRequest, now: number): Promise<Actor>;
  /**
   * On a public route: who is asking if the request says, else undefined.
   * A credential sent but not valid is still refused (401). Absent: public
   * routes never learn who asks.
   */
  identify?(request: HttpRequest, now: number): Promise<Actor | undefined>;
}

/** The Node runtime's: verifies the bearer token itself (signature, issuer, client, token use, expiry). */
export function bearerTokenAuthenticator(verifier: TokenVerifier): Authenticator {
  return {
    authenticate: (request, now) => verifier.verify(request.headers.authorization, now),
    identify: async (request, now) =>
      request.headers.authorization === undefined
        ? undefined
        : verifier.verify(request.headers.authorization, now),
  };
}

/**
 * The Lambda runtime's: API Gateway's JWT authorizer (the Cognito user pool)
 * has verified the token before the function runs, and the runtime copies the
 * claims from the event's request context into `request.verifiedClaims`.
 * Headers are never read: a client can send any header, but cannot write the
 * request context. A request without verified claims (a route the authorizer
 * does not guard) is unauthorized, never anonymous-but-trusted. The
 * authorizer checks `aud` or `client_id` against the app clients, which an
 * ID token passes too: only an access token (`token_use: access`) with a
 * non-empty `sub` is taken here.
 */
export function verifiedClaimsAuthenticator(options: { adminGroup?: string } = {}): Authenticator {
  const adminGroup = options.adminGroup ?? 'admin';
  return {
    async authenticate(request) {
      const claims = request.verifiedClaims;
      const sub = claims?.sub;
      if (claims === undefined || typeof sub !== 'string' || sub === '') {
        throw new HttpError('unauthorized', 'no verified identity: send Authorization: Bearer <JWT>');
      }
      if (claims.token_use !== 'access') {
        throw new HttpError(
          'unauthorized',
          'token rejected: an access token is due (token_use is not access)',
        );
      }
      return { userId: sub, isAdmin: claimList(claims['cognito:groups']).includes(adminGroup) };
    },
    // API Gateway verifies tokens only on routes with its authorizer, and public routes have none:
    // there is no identity to read, and a header is never trusted.
    identify: async () => undefined,
  };
}

/**
 * A list claim as API Gateway hands it over: HTTP APIs turn arrays into one
 * string, `[admin shoppers]`; other sources give a JSON array or `a,b`.
 */
export function claimList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  if (typeof value !== 'string') return [];
  const inner = value.trim().replace(/^\[/, '').replace(/\]$/, '');
  return inner.split(/[\s,]+/).filter((v) => v !== '');
}
