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
  /** Sent after the headers instead of `body`, for as long as both sides keep it open (Node only). */
  readonly stream?: ResponseStream | undefined;
}

/** A response that stays open and sends as it goes: Server-Sent Events. */
export interface ResponseStream {
  /**
   * Starts sending; `end` closes the response from the server's side.
   * Returns what to call when the client goes away.
   */
  open(write: (chunk: string) => void, end: () => void): () => void;
}

export const MAX_BODY_BYTES = 16 * 1024;
