import { CodedRefusal } from '../domain/errors.ts';
/**
 * The codes only the HTTP edge answers with: a request refused before any
 * use case ran (no route, wrong method, an unreadable or invalid body, no
 * verified identity, a missing role), or a fault nothing recognised
 * (`internal_error`, never thrown). Use cases speak the domain's ErrorCode;
 * statuses for both live in src/http/error-catalogue.ts.
 */
export type HttpErrorCode =
  | 'invalid_json'
  | 'validation_failed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'malformed_request'
  | 'request_timeout'
  | 'headers_too_large'
  | 'internal_error';

/** What an HttpError carries: `internal_error` is what the edge answers for errors that are not refusals. */
type RefusalCode = Exclude<HttpErrorCode, 'internal_error'>;

/**
 * A request the HTTP edge refuses. Like FlashSaleError, captures no stack
 * trace: bad tokens and malformed bodies can arrive by the thousand.
 */
export class HttpError extends CodedRefusal<RefusalCode> {
  override name = 'HttpError';
}
