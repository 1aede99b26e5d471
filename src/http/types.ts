/** A request as every runtime can hand it over: node:http, API Gateway, or a test. */
export interface HttpRequest {
  readonly method: string;
  /** Path with its query string, as received. */
  readonly url: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
  /** The peer's address as the runtime saw it (the socket's, or API Gateway's source IP). */
  readonly remoteAddress?: string | undefined;
  /**
   * Claims of a token that a trusted front door (API Gateway's JWT
   * authorizer) has already verified. Set only by a runtime behind such a
   * door, from data clients cannot write (the Lambda event's request
   * context), and read only by `verifiedClaimsAuthenticator`. The Node server
   * never sets it, and its authenticator verifies the bearer token itself.
   */
  readonly verifiedClaims?: Readonly<Record<string, unknown>>;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export const MAX_BODY_BYTES = 16 * 1024;
