import { FlashSaleError } from '../../domain/errors.ts';
import { HTTP_STATUS } from '../error-catalogue.ts';
import { HttpError } from '../http-error.ts';

/** What a GraphQL error says in `extensions`: REST's code, its HTTP status and details. */
export interface RefusalExtensions {
  readonly code: string;
  readonly status: number;
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * A refusal as the REST error body says it (same code, message, details),
 * or, for anything else, `internal_error` with nothing of the fault in it.
 * The one place where GraphQL errors are made, for HTTP and WebSocket alike.
 */
export function refusalOf(error: unknown): {
  readonly message: string;
  readonly extensions: RefusalExtensions;
} {
  if (error instanceof FlashSaleError || error instanceof HttpError) {
    return {
      message: error.message,
      extensions: {
        code: error.code,
        status: HTTP_STATUS[error.code],
        ...(error.details === undefined ? {} : { details: error.details }),
      },
    };
  }
  return {
    message: 'internal error: the request was not applied; retry it',
    extensions: { code: 'internal_error', status: 500 },
  };
}
