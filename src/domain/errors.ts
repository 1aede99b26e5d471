/**
 * The stable, machine-readable codes the domain and the use cases raise. The
 * HTTP edge adds its own (src/http/http-error.ts); the HTTP status of every
 * code lives in one catalogue (src/http/error-catalogue.ts).
 */
export type ErrorCode =
  | 'sale_not_found'
  | 'order_not_found'
  | 'invalid_sale'
  | 'not_started'
  | 'ended'
  | 'sold_out'
  | 'insufficient_stock'
  | 'limit_exceeded'
  | 'idempotency_conflict'
  | 'rate_limited'
  | 'payment_window_expired'
  | 'order_not_payable'
  | 'order_not_cancellable'
  | 'dead_letter_not_found'
  | 'backend_unavailable';

/**
 * A refusal the caller can act on: carries its code and the context that
 * explains it. Refusals are expected outcomes (a stampede makes millions of
 * sold_out answers), so no stack trace is captured; a `cause` keeps its own.
 */
export class FlashSaleError extends Error {
  override name = 'FlashSaleError';
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { details?: Record<string, unknown>; cause?: unknown },
  ) {
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    Error.stackTraceLimit = stackTraceLimit;
    this.code = code;
    this.details = options?.details;
  }
}
