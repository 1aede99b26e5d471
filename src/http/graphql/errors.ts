import { GraphQLError } from 'graphql';
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

/**
 * The GraphQL error for a resolver's error. Like the refusals it words, it
 * captures no stack trace: a stampede makes millions of sold_out, and the
 * executor and graphql-yoga each copy the error again (to add its path, to
 * drop internals). A GraphQLError takes its original error's stack when that
 * has one, so each copy is given a plain one to take rather than capture its
 * own.
 */
export function toGraphqlError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  const { message, extensions } = refusalOf(error);
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    const original = new Error(message);
    Object.defineProperty(original, 'stack', { value: `${extensions.code}: ${message}` });
    return new GraphQLError(message, { extensions: { ...extensions }, originalError: original });
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}
