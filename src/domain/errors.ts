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
  | 'purchase_token_required'
  | 'purchase_token_invalid'
  | 'payment_window_expired'
  | 'order_not_payable'
  | 'order_not_cancellable'
  | 'dead_letter_not_found'
  | 'backend_unavailable';

/** Options of a refusal: the context that explains it, and what caused it. */
export interface RefusalOptions {
  readonly details?: Record<string, unknown>;
  readonly cause?: unknown;
}

/**
 * An error that answers a request with a stable code and the context that
 * explains it. Refusals are expected outcomes (a stampede makes millions of
 * sold_out answers, hostile clients thousands of bad tokens), so no stack
 * trace is captured; a `cause` keeps its own.
 */
export abstract class CodedRefusal<Code extends string> extends Error {
  readonly code: Code;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: Code, message: string, options?: RefusalOptions) {
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    Error.stackTraceLimit = stackTraceLimit;
    this.code = code;
    this.details = options?.details;
  }
}

/** A refusal the caller can act on, raised by the domain and the use cases. */
export class FlashSaleError extends CodedRefusal<ErrorCode> {
  override name = 'FlashSaleError';
}
