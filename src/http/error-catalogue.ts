import type { ErrorCode } from '../domain/errors.ts';
import type { HttpErrorCode } from './http-error.ts';

/** The one place where an error code, the domain's or the HTTP edge's, becomes an HTTP status. */
export const HTTP_STATUS: Readonly<Record<ErrorCode | HttpErrorCode, number>> = {
  invalid_json: 400,
  validation_failed: 400,
  invalid_sale: 422,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  sale_not_found: 404,
  order_not_found: 404,
  dead_letter_not_found: 404,
  not_started: 403,
  ended: 410,
  sold_out: 409,
  insufficient_stock: 409,
  limit_exceeded: 409,
  idempotency_conflict: 422,
  rate_limited: 429,
  purchase_token_required: 403,
  purchase_token_invalid: 403,
  payment_window_expired: 409,
  order_not_payable: 409,
  order_not_cancellable: 409,
  backend_unavailable: 503,
  internal_error: 500,
};
