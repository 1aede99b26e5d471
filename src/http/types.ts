/** A request as every runtime can hand it over: node:http, API Gateway, or a test. */
export interface HttpRequest {
  readonly method: string;
  /** Path with its query string, as received. */
  readonly url: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export const MAX_BODY_BYTES = 16 * 1024;
